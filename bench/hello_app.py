"""The baseline for the HTTP benchmark: a Flask hello-world JSON endpoint, nothing else."""

from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.post("/v1/score")
    def hello():
        return jsonify(hello="world")

    return app
