// Renders the neutral message model as HTML for the playground page. Everything is escaped;
// buttons carry their action id and value for the page to post back.
import type { Message, Block, Button, RichText } from "../../src/messages/model.ts";
import { shownBlocks } from "../../src/messages/model.ts";

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A plain text of the core as HTML: escaped, with its light markup (*bold*, `code`, newlines). People and channels come as nodes. */
export function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*([^*\n]+)\*/g, "<strong>$1</strong>")
    .replace(/\n/g, "<br>");
}

/** A text of the core as HTML: a string through inline(); nodes escaped one by one, never parsed. */
export function richHtml(text: RichText, names: Record<string, string> = {}): string {
  if (typeof text === "string") return inline(text);
  return text
    .map((n) => {
      switch (n.t) {
        case "text":
          // Command examples in backticks read as code on every platform.
          return escapeHtml(n.text).replace(/`([^`]+)`/g, "<code>$1</code>").replace(/\n/g, "<br>");
        case "strong":
          return `<strong>${escapeHtml(n.text).replace(/\n/g, "<br>")}</strong>`;
        case "person":
          return `<span class="mention">@${escapeHtml((Object.hasOwn(names, n.id) ? names[n.id] : undefined) ?? n.name ?? n.id)}</span>`;
        case "channel":
          return `<span class="mention">#${escapeHtml(n.name ?? n.id)}</span>`;
        case "link":
          return `<a href="${escapeHtml(n.url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(n.text)}</a>`;
      }
    })
    .join("");
}

/** How a button is drawn: the playground's are pressed by its script; a member page's post its form. */
export type ButtonHtml = (b: Button, messageId: string) => string;

function button(b: Button, messageId: string): string {
  const cls = ["btn", b.style !== "default" ? `btn-${b.style}` : "", b.selected ? "selected" : ""].filter(Boolean).join(" ");
  return `<button class="${cls}" data-action-id="${escapeHtml(b.actionId)}" data-value="${escapeHtml(b.value)}" data-message-id="${escapeHtml(messageId)}"${b.selected ? ' aria-pressed="true"' : ""}>${escapeHtml(b.label)}</button>`;
}

function block(b: Block, messageId: string, names: Record<string, string>, button: ButtonHtml): string {
  switch (b.type) {
    case "header":
      return `<h3>${inline(b.text)}</h3>`;
    case "text":
      return `<p class="${b.muted ? "muted" : ""}">${richHtml(b.text, names)}</p>`;
    case "fields":
      return `<dl class="fields">${b.fields.map((f) => `<div><dt>${inline(f.label)}</dt><dd>${inline(f.value)}</dd></div>`).join("")}</dl>`;
    case "question":
      return `<div class="question" data-item-id="${escapeHtml(b.itemId)}"><p>${inline(b.prompt)}</p><div class="options">${b.options.map((o) => button(o, messageId)).join("")}</div>${b.scaleHint ? `<p class="muted hint">${escapeHtml(b.scaleHint)}</p>` : ""}</div>`;
    case "buttons":
      return `<div class="buttons">${b.buttons.map((x) => button(x, messageId)).join("")}</div>`;
    case "input": {
      // The page sends every field of the message with the next button pressed on it.
      const id = escapeHtml(`f-${messageId}-${b.id}`);
      const attrs = `id="${id}" name="f.${escapeHtml(b.id)}" data-field-id="${escapeHtml(b.id)}"${b.optional ? "" : " required"}${b.placeholder ? ` placeholder="${escapeHtml(b.placeholder)}"` : ""}`;
      const control =
        b.kind === "choice"
          ? `<select ${attrs}><option value=""></option>${b.options.map((o) => `<option value="${escapeHtml(o.value)}"${o.value === b.value ? " selected" : ""}>${escapeHtml(o.label)}</option>`).join("")}</select>`
          : b.kind === "date"
            ? `<input type="date" ${attrs} value="${escapeHtml(b.value)}">`
            : b.multiline
              ? `<textarea ${attrs} maxlength="${b.maxLength}" rows="2">${escapeHtml(b.value)}</textarea>`
              : `<input type="text" ${attrs} maxlength="${b.maxLength}" value="${escapeHtml(b.value)}">`;
      return `<div class="field"><label for="${id}">${escapeHtml(b.label)}</label>${control}</div>`;
    }
    case "progress":
      return `<div class="progress"><progress value="${b.current}" max="${b.total}"></progress> <span>${escapeHtml(b.label)}</span></div>`;
    case "bars":
      return `<div class="bars">${b.title ? `<p class="muted">${escapeHtml(b.title)}</p>` : ""}${b.bars
        .map((bar) => {
          const pct = bar.value === null ? 0 : Math.max(0, Math.min(100, ((bar.value - bar.min) / (bar.max - bar.min || 1)) * 100));
          return `<div class="bar"><span class="label">${escapeHtml(bar.label)}</span><span class="track"><span class="fill${bar.value === null ? " withheld" : ""}" data-width="${pct.toFixed(1)}"></span></span><span class="value">${escapeHtml(bar.display)}</span></div>`;
        })
        .join("")}</div>`;
    case "divider":
      return "<hr>";
    case "image":
      // An SVG in an <img> runs nothing and fetches nothing; the page's CSP allows data: images.
      return `<figure class="chart"><img alt="${escapeHtml(b.alt)}" src="data:image/svg+xml;base64,${Buffer.from(b.svg, "utf8").toString("base64")}"></figure>`;
    case "file":
      return `<p><a class="file" download="${escapeHtml(b.filename)}" href="data:${escapeHtml(b.mimeType)};charset=utf-8,${encodeURIComponent(b.content)}">⬇ ${escapeHtml(b.filename)}</a></p>`;
  }
}

export function renderHtml(message: Message, messageId: string, names: Record<string, string> = {}, buttonHtml: ButtonHtml = button): string {
  return `<div class="message" data-message-id="${escapeHtml(messageId)}">${shownBlocks(message).map((b) => block(b, messageId, names, buttonHtml)).join("")}</div>`;
}
