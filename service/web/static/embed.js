// <hukou-calculator city="beijing" lang="zh"></hukou-calculator>
// Loaded from the service with <script src=".../embed.js" defer></script>, it shows
// the service's calculator in an iframe that grows and shrinks with its content, keeps
// the total in sight at the bottom of the visitor's screen while the result is out of
// view, and, where the service does not allow this site to frame it (the browser then
// shows an empty box), says so with a link to the calculator's own page.
(() => {
  "use strict";
  if (window.customElements.get("hukou-calculator")) return;
  const script = document.currentScript;
  const origin = new URL(script ? script.src : "/", location.href).origin;
  const WORDS = {
    zh: { title: "积分落户计算器", blocked: "此网站不能直接显示积分计算器。",
          open: "打开积分计算器页面" },
    en: { title: "Points calculator", blocked: "The points calculator cannot be shown on "
          + "this site.", open: "Open the points calculator on its own page" },
  };
  const GRACE_MS = 1500;   // after the frame loads, how long its first message may take
  const STYLE = ":host{display:block;position:relative}[hidden]{display:none!important}"
    + "iframe{display:block;width:100%;border:0;min-height:480px}"
    + ".bar{position:sticky;bottom:0;z-index:1;display:block;width:100%;margin:0;"
    + "padding:.7rem 1rem;border:0;font:700 16px/1.4 system-ui,sans-serif;color:#fff;"
    + "background:#0b4f9c;text-align:center;cursor:pointer;"
    + "box-shadow:0 -2px 6px rgba(0,0,0,.25)}"
    + ".bar:focus-visible{outline:3px solid #1b1b1b;outline-offset:-3px}"
    + ".blocked{border:1px solid #6b6b6b;border-radius:6px;padding:1rem;"
    + "font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;background:#fff}"
    + ".blocked a{color:#0b4f9c;font-weight:700}";

  class HukouCalculator extends HTMLElement {
    static get observedAttributes() { return ["city", "lang"]; }

    constructor() {
      super();
      const root = this.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = STYLE;
      this.frame = document.createElement("iframe");
      this.bar = document.createElement("button");
      this.bar.type = "button";
      this.bar.className = "bar";
      this.bar.hidden = true;
      this.notice = document.createElement("div");
      this.notice.className = "blocked";
      this.notice.hidden = true;
      this.notice.setAttribute("role", "status");
      root.append(style, this.frame, this.notice, this.bar);
      this.heard = false;
      this.headingTop = this.totalTop = 0;
      this.onMessage = (event) => this.message(event);
      this.onScroll = () => this.placeBar();
      this.frame.addEventListener("load", () => {
        clearTimeout(this.graceTimer);
        this.graceTimer = setTimeout(() => this.checkHeard(), GRACE_MS);
      });
      this.bar.addEventListener("click", () => {
        const top = this.frame.getBoundingClientRect().top + window.scrollY + this.headingTop;
        window.scrollTo({ top: Math.max(0, top - 8), behavior: "smooth" });
      });
    }

    message(event) {
      if (event.origin !== origin || event.source !== this.frame.contentWindow) return;
      const data = event.data;
      if (!data || typeof data.type !== "string") return;
      this.heard = true;
      if (data.type === "hukou-calculator:size") {
        const height = Number(data.height);
        if (Number.isFinite(height) && height > 0) {
          this.frame.style.minHeight = "0";
          this.frame.style.height = `${Math.ceil(height)}px`;
        }
      } else if (data.type === "hukou-calculator:total" && typeof data.text === "string") {
        this.bar.textContent = data.text;
        this.bar.setAttribute("aria-label", `${data.label || ""}: ${data.text}`);
        this.headingTop = Number(data.headingTop) || 0;
        this.totalTop = Number(data.totalTop) || 0;
        this.hasTotal = true;
        this.placeBar();
      }
    }

    // The bar shows while the calculator is on screen but its total is not.
    placeBar() {
      if (!this.hasTotal) return;
      const frame = this.frame.getBoundingClientRect();
      const result = frame.top + this.totalTop;
      const onScreen = frame.bottom > 0 && frame.top < window.innerHeight;
      const resultSeen = result >= 0 && result < window.innerHeight - 48;
      this.bar.hidden = !onScreen || resultSeen;
    }

    checkHeard() {
      if (this.heard) return;
      const lang = this.lang();
      const link = document.createElement("a");
      link.href = this.pageUrl(false);
      link.textContent = WORDS[lang].open;
      link.target = "_blank";
      link.rel = "noopener";
      const text = document.createElement("p");
      text.textContent = WORDS[lang].blocked;
      this.notice.lang = lang === "zh" ? "zh-CN" : "en";
      this.notice.replaceChildren(text, link);
      this.notice.hidden = false;
      this.frame.hidden = true;
      this.bar.hidden = true;
    }

    connectedCallback() {
      window.addEventListener("message", this.onMessage);
      window.addEventListener("scroll", this.onScroll, { passive: true });
      window.addEventListener("resize", this.onScroll, { passive: true });
      this.load();
    }

    disconnectedCallback() {
      window.removeEventListener("message", this.onMessage);
      window.removeEventListener("scroll", this.onScroll);
      window.removeEventListener("resize", this.onScroll);
      clearTimeout(this.graceTimer);
    }

    attributeChangedCallback() { if (this.isConnected) this.load(); }

    lang() { return this.getAttribute("lang") === "en" ? "en" : "zh"; }

    pageUrl(embedded) {
      const url = new URL("/calculator", origin);
      url.searchParams.set("city", this.getAttribute("city") || "");
      url.searchParams.set("lang", this.lang());
      if (embedded) url.searchParams.set("embed", "1");
      return url.href;
    }

    load() {
      const href = this.pageUrl(true);
      if (this.frame.src !== href) {
        this.heard = false;
        this.hasTotal = false;
        this.frame.hidden = false;
        this.notice.hidden = true;
        this.frame.src = href;
      }
      this.frame.title = WORDS[this.lang()].title;
    }
  }

  window.customElements.define("hukou-calculator", HukouCalculator);
})();
