// The playground page: five people (a coordinator and four partners, one in a workspace of her own) and the steering group's
// channel, driven through the local adapter's HTTP API. No framework, no build step. The server
// renders every message to HTML (adapters/local/render.ts); this script only places it, posts
// button presses and commands back, and re-fetches every pane after each change.
"use strict";

(() => {
  const tokenMeta = document.querySelector('meta[name="playground-token"]');
  const token = tokenMeta ? tokenMeta.getAttribute("content") || "" : "";

  const state = {
    people: [],
    channel: "styregruppe",
    setup: [],
    active: "",
    layout: "single",
    /** bumped whenever something may change on the server: a refresh that saw a bump is stale */
    seq: 0,
    /** commands and button presses still waiting for the server */
    inflight: 0,
    refreshing: false,
    dirty: false,
  };

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  // ---- the page's own words, in English and Danish ------------------------------------------------
  // The bot's messages come from the server in each person's language; these are only the page's
  // chrome. They are the bot's catalogue (src/i18n, keys page.* without the prefix, and the sector
  // and role names), which the local adapter writes into the page; both languages have the same keys.
  // {name} is filled in, `text` is shown as code.

  const STRINGS = readWords();
  // For the browser test, which checks that both languages have the same keys.
  window.__playgroundStrings = STRINGS;

  function readWords() {
    const el = document.getElementById("playground-words");
    try {
      const words = JSON.parse(el ? el.textContent || "" : "");
      if (words && typeof words.en === "object" && typeof words.da === "object") return words;
    } catch {
      // not served by Partnerpuls (the placeholder is still there): no words, see t()
    }
    return { en: {}, da: {} };
  }

  const LANG_KEY = "partnerpuls.lang";
  let lang = initialLang();

  function initialLang() {
    try {
      const saved = localStorage.getItem(LANG_KEY);
      if (saved === "en" || saved === "da") return saved;
    } catch {
      // storage may be off
    }
    return /^da\b/i.test(navigator.language || "") ? "da" : "en";
  }

  /** The text for a key in the page's language; a missing key is a bug, reported on the console. */
  function t(key, vars) {
    let s = STRINGS[lang][key];
    if (s === undefined) {
      // Without any words the page was not served by Partnerpuls; start() says so (as a key).
      if (Object.keys(STRINGS.en).length > 0) console.error(`playground: no ${lang} text for "${key}"`);
      s = STRINGS.en[key] ?? key;
    }
    return s.replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
  }

  /** Gives an element its text by key (and keeps the key, so a language switch can redo it). */
  function tr(el, key, vars) {
    el.setAttribute("data-i18n", key);
    setVars(el, vars);
    paint(el);
    return el;
  }

  /** The same for an attribute: data-i18n-<attribute>="key". */
  function trAttr(el, attr, key, vars) {
    el.setAttribute(`data-i18n-${attr}`, key);
    if (vars) setVars(el, vars);
    paint(el);
    return el;
  }

  function setVars(el, vars) {
    if (vars) el.setAttribute("data-i18n-vars", JSON.stringify(vars));
    else el.removeAttribute("data-i18n-vars");
  }

  function paint(el) {
    const raw = el.getAttribute("data-i18n-vars");
    const vars = raw ? JSON.parse(raw) : undefined;
    for (const a of Array.from(el.attributes)) {
      if (a.name === "data-i18n") {
        // `text` becomes <code>: split on backticks, odd parts are code.
        const parts = t(a.value, vars).split("`");
        el.replaceChildren(
          ...parts.map((part, i) => {
            if (i % 2 === 0) return part;
            const code = document.createElement("code");
            code.textContent = part;
            return code;
          }),
        );
      } else if (a.name.startsWith("data-i18n-") && a.name !== "data-i18n-vars") {
        el.setAttribute(a.name.slice("data-i18n-".length), t(a.value, vars));
      }
    }
  }

  /** Re-does every translated text and attribute under root (and the times, in local format). */
  function paintAll(root = document) {
    const els = $$("*", root).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith("data-i18n")));
    for (const el of els) paint(el);
    for (const time of $$(".msg-meta time[datetime]", root)) time.textContent = timeLabel(time.dateTime);
  }

  /** The page's language, and (`people`) the language all the cast read the bot in. */
  async function setLang(next, people = true) {
    lang = next;
    try {
      localStorage.setItem(LANG_KEY, next);
    } catch {
      // not remembered
    }
    applyLang();
    if (!people || !token || token.startsWith("__")) return;
    try {
      await api("POST", "/language", { lang: next });
      const note = $("#lang-note");
      tr(note, "lang.all-set");
      note.hidden = false;
    } catch (e) {
      showAlert("err.not-sent", { message: e.message });
    }
  }

  function applyLang() {
    document.documentElement.lang = lang;
    for (const b of $$(".lang-switch [data-lang]")) b.setAttribute("aria-pressed", b.dataset.lang === lang ? "true" : "false");
    paintAll();
  }

  // ---- talking to the server ------------------------------------------------------------------

  /** A join code as the bot writes it: four groups of five (src/domain/join-codes.ts). */
  const JOIN_CODE = /[0-9A-HJKMNP-TV-Z]{5}(?:-[0-9A-HJKMNP-TV-Z]{5}){3}/;

  async function api(method, path, body) {
    const headers = { "X-Playground-Token": token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`/local/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try {
      data = await res.json();
    } catch {
      // not JSON: reported below by status
    }
    if (!res.ok) throw new Error((data && data.error) || t("err.status", { status: res.status }));
    return data;
  }

  function showAlert(key, vars) {
    const box = $("#alert");
    box.replaceChildren();
    const p = tr(document.createElement("p"), key, vars);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-quiet";
    tr(close, "dismiss");
    close.addEventListener("click", () => {
      box.hidden = true;
    });
    box.append(p, close);
    box.hidden = false;
  }

  function updateBusy() {
    const busy = state.inflight > 0 || state.refreshing || refreshTimer !== 0;
    document.body.dataset.busy = busy ? "true" : "false";
    const ind = $("#sync");
    if (ind) tr(ind, busy ? "sync.busy" : "sync.idle");
  }

  function mutationStart() {
    state.inflight++;
    state.seq++;
    updateBusy();
  }

  function mutationEnd() {
    state.inflight--;
    state.seq++;
    scheduleRefresh();
  }

  /** A refresh shortly after the last change: quick clicks in a row share one. */
  let refreshTimer = 0;
  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => {
      refreshTimer = 0;
      if (state.inflight === 0) refreshAll();
      else updateBusy();
    }, 120);
    updateBusy();
  }

  // ---- rendering server HTML --------------------------------------------------------------------

  /** Parses the server's HTML (already escaped by render.ts) and applies bar widths: the page's
   *  CSP forbids style attributes, so render.ts sends data-width and the width is set here. */
  function fragment(html) {
    const t = document.createElement("template");
    t.innerHTML = html;
    for (const fill of $$(".fill[data-width]", t.content)) {
      const w = Number(fill.getAttribute("data-width"));
      fill.style.width = `${Number.isFinite(w) ? Math.max(0, Math.min(100, w)) : 0}%`;
    }
    return t.content;
  }

  function timeLabel(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString(lang === "da" ? "da-DK" : "en-GB", { hour: "2-digit", minute: "2-digit" });
  }

  /** One message as an article; `meta` adds a sender line with the time. */
  function article(item, meta) {
    const el = document.createElement("article");
    el.className = "msg";
    el.tabIndex = -1;
    el.dataset.id = item.id;
    if (meta) {
      const head = document.createElement("p");
      head.className = "msg-meta";
      const from = document.createElement("span");
      from.className = "from";
      from.textContent = "Partnerpuls";
      const time = document.createElement("time");
      time.dateTime = item.at;
      time.textContent = timeLabel(item.at);
      head.append(from, " ", time);
      el.append(head);
    }
    const body = document.createElement("div");
    body.className = "msg-body";
    el.append(body);
    setBody(el, item.html);
    return el;
  }

  /** Replaces a message's content, keeping keyboard focus on the same button where it still exists. */
  function setBody(el, html) {
    if (el.dataset.html === html) return;
    const body = $(".msg-body", el);
    const focused = document.activeElement;
    const hadFocus = focused instanceof HTMLElement && el.contains(focused) && focused !== el;
    const key = hadFocus && focused.matches("button[data-action-id]") ? [focused.dataset.actionId, focused.dataset.value] : null;
    body.replaceChildren(fragment(html));
    el.dataset.html = html;
    el.removeAttribute("aria-busy");
    if (hadFocus) {
      const again = key ? $$("button[data-action-id]", body).find((b) => b.dataset.actionId === key[0] && b.dataset.value === key[1]) : null;
      (again || el).focus({ preventScroll: true });
    }
  }

  /** Brings a feed in line with the server's list (newest first) without touching unchanged messages. */
  function renderFeed(container, items, meta) {
    const existing = new Map($$(":scope > article.msg", container).map((el) => [el.dataset.id, el]));
    let prev = null;
    for (const item of items) {
      let el = existing.get(item.id);
      if (el) {
        existing.delete(item.id);
        setBody(el, item.html);
      } else el = article(item, meta);
      const want = prev ? prev.nextElementSibling : container.firstElementChild;
      if (el !== want) container.insertBefore(el, want);
      prev = el;
    }
    for (const el of existing.values()) el.remove();
  }

  // ---- refreshing every pane ------------------------------------------------------------------

  async function fetchAll() {
    const ids = state.people.map((p) => p.id);
    const [homes, inboxes, channel] = await Promise.all([
      Promise.all(ids.map((id) => api("GET", `/home?as=${encodeURIComponent(id)}`))),
      Promise.all(ids.map((id) => api("GET", `/inbox?as=${encodeURIComponent(id)}`))),
      api("GET", `/channel?id=${encodeURIComponent(state.channel)}`),
    ]);
    return { ids, homes, inboxes, channel };
  }

  function renderAll(data) {
    data.ids.forEach((id, i) => {
      const pane = paneOf(id);
      if (!pane) return;
      renderFeed($(".home-view", pane), [data.homes[i].home], false);
      const messages = data.inboxes[i].messages.slice().reverse();
      renderFeed($(".inbox-messages", pane), messages, true);
      $(".count", pane).textContent = String(messages.length);
      const badge = $(`#tab-${id} .tab-count`);
      if (badge) {
        badge.textContent = String(messages.length);
        badge.hidden = messages.length === 0;
      }
    });
    renderFeed($("#channel-messages"), data.channel.messages.slice().reverse(), true);
  }

  /** Re-fetches everything; calls while a refresh runs are folded into one more round. */
  async function refreshAll() {
    state.dirty = true;
    if (state.refreshing) return;
    state.refreshing = true;
    updateBusy();
    try {
      while (state.dirty) {
        state.dirty = false;
        // A change is still running: its end schedules the next refresh.
        if (state.inflight > 0) break;
        const seq = state.seq;
        let data;
        try {
          data = await fetchAll();
        } catch (e) {
          showAlert("err.refresh", { message: e.message });
          break;
        }
        // Something changed while we were fetching: what we have may be older than the page.
        // The change that is still running (or has just finished) asks for another refresh.
        if (seq !== state.seq || state.inflight > 0) continue;
        renderAll(data);
      }
    } finally {
      state.refreshing = false;
      updateBusy();
    }
  }

  // ---- people, tabs and layout ------------------------------------------------------------------

  function paneOf(id) {
    return document.getElementById(`person-${id}`);
  }

  function initials(name) {
    return name
      .split(/\s+/)
      .map((w) => w[0] || "")
      .join("")
      .slice(0, 2)
      .toUpperCase();
  }

  function buildPeople() {
    const people = $("#people");
    const tabs = $("#tabs");
    people.replaceChildren();
    tabs.replaceChildren();
    const tpl = $("#person-template");
    state.people.forEach((p, i) => {
      const tab = document.createElement("button");
      tab.type = "button";
      tab.id = `tab-${p.id}`;
      tab.className = "tab";
      tab.setAttribute("role", "tab");
      tab.setAttribute("aria-controls", `person-${p.id}`);
      tab.dataset.person = p.id;
      const av = document.createElement("span");
      av.className = `avatar small avatar-${i % 4}`;
      av.setAttribute("aria-hidden", "true");
      av.textContent = initials(p.name);
      const label = document.createElement("span");
      label.textContent = p.name.split(" ")[0];
      const count = document.createElement("span");
      count.className = "tab-count";
      count.hidden = true;
      trAttr(count, "title", "tab.count");
      tab.append(av, label, count);
      tab.addEventListener("click", () => selectPerson(p.id, false));
      tabs.append(tab);

      const pane = tpl.content.firstElementChild.cloneNode(true);
      pane.id = `person-${p.id}`;
      pane.dataset.person = p.id;
      pane.setAttribute("aria-labelledby", `name-${p.id}`);
      const avatar = $(".avatar", pane);
      avatar.textContent = initials(p.name);
      avatar.classList.add(`avatar-${i % 4}`);
      const name = $(".person-name", pane);
      name.id = `name-${p.id}`;
      name.textContent = p.name;
      // Organisation · sector · role; a sector the page has no words for is shown as it is.
      const sector = document.createElement("span");
      if (STRINGS.en[`sector.${p.sector}`] !== undefined) tr(sector, `sector.${p.sector}`);
      else sector.textContent = p.sector;
      const role = tr(document.createElement("span"), i === 0 ? "role.coordinator" : "role.partner");
      $(".person-org", pane).replaceChildren(p.organisation, " · ", sector, " · ", role);
      // Where they work: each organisation's own workspace, drawn in the look of its platform.
      if (p.look) pane.classList.add(`look-${p.look}`);
      if (p.workspaceName) $(".person-workspace", pane).replaceChildren(tr(document.createElement("span"), "workspace", { name: p.workspaceName }));
      const input = $(".command-input", pane);
      input.id = `command-${p.id}`;
      const label2 = $(".command-label", pane);
      label2.htmlFor = input.id;
      tr(label2, "command.label", { name: p.name });
      $(".command", pane).addEventListener("submit", (e) => {
        e.preventDefault();
        sendCommand(p.id);
      });
      input.addEventListener("keydown", (e) => recallHistory(e, p.id));
      $(".home-refresh", pane).addEventListener("click", () => refreshAll());
      trAttr($(".inbox-messages", pane), "data-empty", "inbox.empty");
      trAttr($(".home-view", pane), "data-empty", "home.loading");
      if (i === 0) setupBlock(pane, p);
      paintAll(pane);
      people.append(pane);
    });
  }

  function selectPerson(id, focusTab) {
    state.active = id;
    try {
      localStorage.setItem("partnerpuls.person", id);
    } catch {
      // storage may be off; the choice just is not remembered
    }
    for (const tab of $$("#tabs .tab")) {
      const on = tab.dataset.person === id;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on && focusTab) tab.focus();
    }
    applyLayout();
  }

  function applyLayout() {
    const single = state.layout === "single";
    document.body.dataset.layout = state.layout;
    $("#layout-single").setAttribute("aria-pressed", single ? "true" : "false");
    $("#layout-side").setAttribute("aria-pressed", single ? "false" : "true");
    $("#tabs").hidden = !single;
    for (const pane of $$(".person-pane")) {
      if (single) {
        pane.setAttribute("role", "tabpanel");
        pane.setAttribute("aria-labelledby", `tab-${pane.dataset.person}`);
        pane.hidden = pane.dataset.person !== state.active;
      } else {
        pane.removeAttribute("role");
        pane.setAttribute("aria-labelledby", `name-${pane.dataset.person}`);
        pane.hidden = false;
      }
    }
  }

  function setLayout(layout) {
    state.layout = layout;
    try {
      localStorage.setItem("partnerpuls.layout", layout);
    } catch {
      // not remembered
    }
    applyLayout();
  }

  function tabKeys(e) {
    const tabs = $$("#tabs .tab");
    const i = tabs.findIndex((t) => t.dataset.person === state.active);
    let next = -1;
    if (e.key === "ArrowRight") next = (i + 1) % tabs.length;
    else if (e.key === "ArrowLeft") next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    selectPerson(tabs[next].dataset.person, true);
  }

  // ---- commands ---------------------------------------------------------------------------------

  const history = new Map();

  function recallHistory(e, id) {
    if (e.key !== "ArrowUp" && e.key !== "ArrowDown") return;
    const h = history.get(id);
    if (!h || h.list.length === 0) return;
    e.preventDefault();
    h.at = Math.max(0, Math.min(h.list.length, h.at + (e.key === "ArrowUp" ? -1 : 1)));
    e.target.value = h.list[h.at] ?? "";
  }

  function remember(id, text) {
    const h = history.get(id) ?? { list: [], at: 0 };
    if (h.list[h.list.length - 1] !== text) h.list.push(text);
    h.at = h.list.length;
    history.set(id, h);
  }

  function echo(text) {
    const p = document.createElement("p");
    p.className = "echo";
    const you = document.createElement("span");
    you.className = "you";
    tr(you, "command.you");
    const code = document.createElement("code");
    code.textContent = text;
    p.append(you, " ", code);
    return p;
  }

  /** Runs one command as a person; the reply (rendered by the server) is returned. */
  async function runCommand(id, text) {
    mutationStart();
    try {
      const data = await api("POST", "/command", { as: id, text });
      return data.reply;
    } finally {
      mutationEnd();
    }
  }

  async function sendCommand(id) {
    const pane = paneOf(id);
    const form = $(".command", pane);
    const input = $(".command-input", pane);
    const text = input.value.trim();
    if (!text || form.getAttribute("aria-busy") === "true") return;
    remember(id, text);
    const reply = $(".reply", pane);
    const pending = document.createElement("p");
    pending.className = "muted small pending";
    tr(pending, "command.sending");
    reply.replaceChildren(echo(text), pending);
    form.setAttribute("aria-busy", "true");
    $(".command-send", pane).disabled = true;
    try {
      const r = await runCommand(id, text);
      input.value = "";
      reply.replaceChildren(echo(text), article(r, false));
      hintAfterCommand(text);
    } catch (e) {
      tr(pending, "err.not-sent", { message: e.message });
      pending.classList.add("error");
    } finally {
      form.removeAttribute("aria-busy");
      $(".command-send", pane).disabled = false;
    }
  }

  // ---- first-run hints: what to do next --------------------------------------------------------

  /** The walkthrough's next step, after a step of it (commands in either language). */
  function hintAfterCommand(text) {
    const t = text.trim().toLowerCase();
    if (/^(checkin|check-in|runde|round)\s+(start|begynd)\b/.test(t)) showHint("hint.answer");
    else if (/^(checkin|check-in|runde|round)\s+(close|luk)\b/.test(t) || /^(digest|opsummering)\b/.test(t)) showHint("hint.digest");
    else if (/^status\b/.test(t)) showHint("hint.close");
  }

  function showHint(key) {
    const box = $("#hint");
    tr(box, key);
    box.hidden = false;
  }

  // ---- the demo setup -----------------------------------------------------------------------------

  function setupBlock(pane, person) {
    const block = $(".setup", pane);
    block.hidden = false;
    const run = $(".setup-run", block);
    run.addEventListener("click", async () => {
      if (block.dataset.state === "running") return;
      block.dataset.state = "running";
      run.disabled = true;
      tr(run, "setup.running");
      $(".setup-next", block).hidden = true;
      const log = $(".setup-log", block);
      log.replaceChildren();
      let failed = false;
      for (const command of state.setup[lang] ?? state.setup.en) {
        const li = document.createElement("li");
        li.append(echo(command));
        log.append(li);
        try {
          const r = await runCommand(person.id, command);
          const body = document.createElement("div");
          body.className = "setup-reply";
          body.append(fragment(r.html));
          li.append(body);
          if (r.message?.error) li.classList.add("warn");
          // An invitation for the person of another organisation: they join with its code from
          // their own workspace, and the coordinator approves the card that comes.
          const code = state.joiner && (r.message?.fallback ?? "").match(JOIN_CODE);
          if (code) {
            mutationStart();
            try {
              const joined = await api("POST", "/demo-join", { as: state.joiner, code: code[0], approver: person.id });
              for (const shown of [joined.asked, joined.approved]) {
                const more = document.createElement("div");
                more.className = "setup-reply";
                more.append(fragment(shown.html));
                li.append(more);
              }
            } finally {
              mutationEnd();
            }
          }
        } catch (e) {
          const p = document.createElement("p");
          p.className = "error small";
          tr(p, "err.not-sent", { message: e.message });
          li.append(p);
          li.classList.add("warn");
          failed = true;
          break;
        }
      }
      block.dataset.state = failed ? "failed" : "done";
      run.disabled = false;
      tr(run, "setup.run");
      if (!failed) $(".setup-next", block).hidden = false;
    });
    $(".setup-fill", block).addEventListener("click", () => {
      const input = $(".command-input", pane);
      input.value = t("setup.command");
      input.focus();
    });
  }

  // ---- buttons inside messages ------------------------------------------------------------------

  async function press(button) {
    const pane = button.closest(".person-pane");
    const as = pane ? pane.dataset.person : state.active;
    const holder = button.closest("article.msg");
    if (holder && holder.getAttribute("aria-busy") === "true") return;
    // Busy, not disabled: disabling would throw keyboard focus out of the message.
    if (holder) holder.setAttribute("aria-busy", "true");
    mutationStart();
    try {
      const messageId = button.dataset.messageId;
      // What is typed into the message's fields goes with the press, as on Slack and Teams.
      const fields = holder ? Object.fromEntries($$("[data-field-id]", holder).map((f) => [f.dataset.fieldId, f.value])) : {};
      const r = await api("POST", "/action", {
        as,
        actionId: button.dataset.actionId,
        value: button.dataset.value,
        ...(messageId ? { messageId } : {}),
        ...(Object.keys(fields).length ? { fields } : {}),
      });
      if (button.dataset.actionId === "poll.answer") showHint("hint.status");
      const inbox = paneOf(as) ? $(".inbox-messages", paneOf(as)) : null;
      const inPlace = r.replaced && inbox ? $$(":scope > article.msg", inbox).find((el) => el.dataset.id === r.message.id) : null;
      if (inPlace) setBody(inPlace, r.message.html);
      else if (inbox) {
        // A new message (e.g. a poll opened from Home): newest first in the inbox, and shown.
        let el = $$(":scope > article.msg", inbox).find((x) => x.dataset.id === r.message.id);
        if (el) setBody(el, r.message.html);
        else {
          el = article(r.message, true);
          inbox.prepend(el);
        }
        if (!holder || !inbox.contains(holder)) {
          el.scrollIntoView({ block: "nearest", behavior: "smooth" });
          el.focus({ preventScroll: true });
        }
      }
    } catch (e) {
      showAlert("err.button", { message: e.message });
    } finally {
      if (holder) holder.removeAttribute("aria-busy");
      mutationEnd();
    }
  }

  // ---- start --------------------------------------------------------------------------------------

  async function start() {
    $("#layout-single").addEventListener("click", () => setLayout("single"));
    $("#layout-side").addEventListener("click", () => setLayout("side"));
    for (const b of $$(".lang-switch [data-lang]")) b.addEventListener("click", () => setLang(b.dataset.lang));
    applyLang();
    $("#tabs").addEventListener("keydown", tabKeys);
    $("#channel-refresh").addEventListener("click", () => refreshAll());
    document.addEventListener("click", (e) => {
      const b = e.target instanceof Element ? e.target.closest("button[data-action-id]") : null;
      if (b && !b.disabled) press(b);
    });
    const sync = document.createElement("span");
    sync.id = "sync";
    sync.className = "sync muted small";
    sync.setAttribute("aria-hidden", "true");
    $(".layout-switch").before(sync);
    updateBusy();

    if (!token || token.startsWith("__")) {
      showAlert("err.no-token");
      return;
    }
    let info;
    try {
      info = await api("GET", "/people");
    } catch (e) {
      showAlert("err.load", { message: e.message });
      return;
    }
    // The bot speaks the page's language from the start: the cast choose it (as `language`
    // would); the EN/DA switch changes both, and says so.
    try {
      await api("POST", "/language", { lang });
    } catch {
      // the page still works; the bot then follows each person's locale
    }
    state.people = info.people;
    state.channel = info.channel;
    state.setup = info.setup;
    state.joiner = info.joiner ?? null;
    $("#channel-title").textContent = `#${info.channel}`;
    trAttr($("#channel-messages"), "data-empty", "channel.empty");
    let remembered = { person: null, layout: null };
    try {
      remembered = { person: localStorage.getItem("partnerpuls.person"), layout: localStorage.getItem("partnerpuls.layout") };
    } catch {
      // fine
    }
    state.layout = remembered.layout === "side" ? "side" : "single";
    buildPeople();
    selectPerson(state.people.some((p) => p.id === remembered.person) ? remembered.person : state.people[0].id, false);
    await refreshAll();
    document.body.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
