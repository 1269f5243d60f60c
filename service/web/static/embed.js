// <hukou-calculator city="beijing" lang="zh"></hukou-calculator>
// Loaded from the service with <script src=".../embed.js" defer></script>, it shows
// the service's calculator in an iframe that grows and shrinks with its content.
(() => {
  "use strict";
  if (window.customElements.get("hukou-calculator")) return;
  const script = document.currentScript;
  const origin = new URL(script ? script.src : "/", location.href).origin;
  const TITLES = { zh: "积分落户计算器", en: "Points calculator" };

  class HukouCalculator extends HTMLElement {
    static get observedAttributes() { return ["city", "lang"]; }

    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = ":host{display:block}iframe{display:block;width:100%;border:0;" +
        "min-height:480px}";
      this.frame = document.createElement("iframe");
      root.append(style, this.frame);
      this.onMessage = (event) => {
        if (event.origin !== origin || event.source !== this.frame.contentWindow) return;
        const data = event.data;
        if (!data || data.type !== "hukou-calculator:size") return;
        const height = Number(data.height);
        if (Number.isFinite(height) && height > 0) {
          this.frame.style.minHeight = "0";
          this.frame.style.height = `${Math.ceil(height)}px`;
        }
      };
    }

    connectedCallback() {
      window.addEventListener("message", this.onMessage);
      this.load();
    }

    disconnectedCallback() { window.removeEventListener("message", this.onMessage); }

    attributeChangedCallback() { if (this.isConnected) this.load(); }

    load() {
      const lang = this.getAttribute("lang") === "en" ? "en" : "zh";
      const url = new URL("/calculator", origin);
      url.searchParams.set("city", this.getAttribute("city") || "");
      url.searchParams.set("lang", lang);
      url.searchParams.set("embed", "1");
      if (this.frame.src !== url.href) this.frame.src = url.href;
      this.frame.title = TITLES[lang];
    }
  }

  window.customElements.define("hukou-calculator", HukouCalculator);
})();
