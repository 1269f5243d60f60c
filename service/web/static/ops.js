// The /ops page: asks for an ops key, then reads the drift panel (drawn on the server,
// charts included) with it, and reads it again every minute while the page is open.
(() => {
  "use strict";
  const S = JSON.parse(document.getElementById("ops-strings").textContent);
  const lang = document.body.dataset.lang === "en" ? "en" : "zh";
  const form = document.getElementById("auth");
  const status = document.getElementById("status");
  const panel = document.getElementById("panel");
  const keyInput = document.getElementById("key");
  const windowSelect = document.getElementById("window");
  const REFRESH_MS = 60_000;
  let timer = 0;
  let loading = false;

  // body[data-state]: loading, ready or refused; tests wait on it.
  const state = (name) => { document.body.dataset.state = name; };

  async function load() {
    const key = keyInput.value;
    if (!key || loading) return;
    loading = true;
    sessionStorage.setItem("hukou-ops-key", key);
    sessionStorage.setItem("hukou-ops-window", windowSelect.value);
    if (!panel.children.length) status.textContent = S.loading;
    state("loading");
    try {
      const url = `/ops/panel?window=${encodeURIComponent(windowSelect.value)}&lang=${lang}`;
      const response = await fetch(url, { headers: { Authorization: `Bearer ${key}` } });
      if (response.status === 401 || response.status === 403) {
        panel.replaceChildren();
        status.textContent = response.status === 401 ? S.key_refused : S.key_scope;
        status.className = "problem";
        state("refused");
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      // The panel is this service's own HTML (no script in it), drawn for this key.
      panel.innerHTML = await response.text();
      status.textContent = "";
      status.className = "";
      state("ready");
    } catch (error) {
      status.textContent = S.unavailable;
      status.className = "problem";
      state("unavailable");
    } finally {
      loading = false;
      clearTimeout(timer);
      timer = setTimeout(refresh, REFRESH_MS);
    }
  }

  function refresh() {
    if (document.hidden) {
      timer = setTimeout(refresh, REFRESH_MS);
      return;
    }
    load();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  windowSelect.addEventListener("change", load);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) load(); });
  const saved = sessionStorage.getItem("hukou-ops-key");
  const savedWindow = sessionStorage.getItem("hukou-ops-window");
  if (savedWindow) windowSelect.value = savedWindow;
  if (saved) {
    keyInput.value = saved;
    load();
  }
})();
