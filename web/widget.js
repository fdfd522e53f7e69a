/*
 * callbridge click-to-call widget (seed 003: "talk to a representative").
 *
 * Embed on any page of a business that registered the page's origin:
 *
 *   <script src="https://CALLBRIDGE/web/widget.js" data-business="TENANT"
 *           data-skill="cruises" data-agent="optional agent id" async>
 *   </script>
 *
 * It renders a "Talk to a representative" button (in a shadow root, so
 * the page's styles and the widget's do not mix).  A click opens a small
 * form: the phone number to be called at (kept in this browser only if
 * the visitor ticks "Remember my number"), an optional note and an
 * optional time to be called.  It sends the call request message (the
 * business, the number, the page's address and title, the skill or agent
 * hint of the page, the desired time, the note) to callbridge, which
 * calls the visitor and connects an agent, and then shows the request's
 * progress, polled every second, in an aria-live region.
 *
 * Self-contained: no external assets, no framework; the API's address is
 * the one this script was loaded from.  The host element gets
 * data-request-id and data-status, and a "cb-widget" event is dispatched
 * on it at every change of status (for pages and tests that follow it).
 */
(function () {
  "use strict";

  var script = document.currentScript ||
    document.querySelector("script[src*='widget.js'][data-business]");
  if (!script || !script.getAttribute("data-business")) {
    return;
  }
  var business = script.getAttribute("data-business");
  var skill = script.getAttribute("data-skill") || null;
  var agent = script.getAttribute("data-agent") || null;
  var label = script.getAttribute("data-label") ||
    "Talk to a representative";
  var src = new URL(script.src, document.baseURI);
  var base = src.origin + src.pathname.replace(/\/web\/widget\.js$/, "");
  var storeKey = "callbridge.widget.number." + business;
  var POLL_MS = 1000;
  var FINAL = ["completed", "no-answer", "busy", "invalid-number", "failed",
    "canceled", "abandoned"];
  var WORDS = {
    scheduled: "We will call you at the time you chose.",
    calling: "Calling you\u2026",
    queued: "Connecting you to an agent\u2026",
    offered: "Connecting you to an agent\u2026",
    connected: "Connected",
    callback: "We will call you back.",
    completed: "Call completed. Thank you!",
    "no-answer": "We could not reach you.",
    busy: "Your line was busy.",
    "invalid-number": "Your number could not be called.",
    failed: "The call could not be placed.",
    canceled: "Canceled.",
    abandoned: "You left the queue."
  };

  var CSS = [
    ":host { all: initial; position: fixed; right: 20px; bottom: 20px;",
    "  z-index: 2147483000; font: 15px/1.4 system-ui, -apple-system,",
    "  'Segoe UI', Roboto, sans-serif; color: #172033; }",
    "* { box-sizing: border-box; }",
    ".open { display: inline-flex; align-items: center; gap: 8px;",
    "  border: 0; border-radius: 999px; padding: 12px 20px;",
    "  background: #1f5eff; color: #fff; font: inherit; font-weight: 600;",
    "  cursor: pointer; box-shadow: 0 6px 20px rgba(31, 94, 255, .35); }",
    ".open:hover { background: #1848c8; }",
    "button:focus-visible, input:focus-visible, textarea:focus-visible {",
    "  outline: 3px solid #ffbf47; outline-offset: 2px; }",
    ".panel { width: 320px; max-width: calc(100vw - 40px);",
    "  margin-bottom: 12px; padding: 18px; border-radius: 14px;",
    "  background: #fff; box-shadow: 0 12px 40px rgba(23, 32, 51, .25); }",
    ".panel[hidden] { display: none; }",
    "h2 { margin: 0 0 4px; font-size: 17px; }",
    "p { margin: 0 0 12px; color: #4a5568; font-size: 14px; }",
    "label { display: block; margin: 10px 0 4px; font-weight: 600;",
    "  font-size: 14px; }",
    "label.check { display: flex; gap: 8px; align-items: center;",
    "  font-weight: 400; }",
    "input[type=tel], input[type=datetime-local], textarea { width: 100%;",
    "  padding: 9px 10px; border: 1px solid #b8c2d6; border-radius: 8px;",
    "  font: inherit; color: inherit; background: #fff; }",
    "textarea { min-height: 56px; resize: vertical; }",
    ".hint { color: #4a5568; font-size: 13px; font-weight: 400; }",
    ".row { display: flex; gap: 8px; margin-top: 14px; }",
    ".btn { flex: 1; padding: 10px 12px; border-radius: 8px; font: inherit;",
    "  font-weight: 600; cursor: pointer; border: 1px solid #1f5eff; }",
    ".primary { background: #1f5eff; color: #fff; }",
    ".primary[disabled] { opacity: .6; cursor: progress; }",
    ".ghost { background: #fff; color: #1f5eff; }",
    ".status { margin-top: 12px; padding: 10px 12px; border-radius: 8px;",
    "  background: #eef3ff; color: #172033; font-weight: 600; }",
    ".status:empty { display: none; }",
    ".status.error { background: #fdecec; color: #9b1c1c; }",
    ".status.done { background: #e8f6ee; color: #17603a; }"
  ].join("\n");

  var host = document.createElement("div");
  host.className = "callbridge-widget";
  var root = host.attachShadow({ mode: "open" });
  var uid = "cbw" + Math.random().toString(36).slice(2, 8);

  // a constructed sheet where the browser has them: a page's CSP that
  // forbids inline <style> does not block it
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    var style = document.createElement("style");
    style.textContent = CSS;
    root.appendChild(style);
  }

  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      n.setAttribute(k, attrs[k]);
    });
    if (text) {
      n.textContent = text;
    }
    return n;
  }

  var panel = el("div", { class: "panel", role: "dialog",
    "aria-labelledby": uid + "-title", id: uid + "-panel" });
  panel.hidden = true;
  var title = el("h2", { id: uid + "-title" }, label);
  var intro = el("p", {}, "Leave your number and we will call you " +
    "and connect you with one of our representatives.");
  var form = el("form", { novalidate: "" });
  var numLabel = el("label", { for: uid + "-number" }, "Your phone number");
  var num = el("input", { id: uid + "-number", type: "tel", name: "number",
    autocomplete: "tel", inputmode: "tel", required: "",
    placeholder: "+1 555 010 0100", maxlength: "32" });
  var rememberLabel = el("label", { class: "check" });
  var remember = el("input", { type: "checkbox", name: "remember" });
  rememberLabel.appendChild(remember);
  rememberLabel.appendChild(document.createTextNode(
    "Remember my number in this browser"));
  var noteLabel = el("label", { for: uid + "-note" }, "Note ");
  noteLabel.appendChild(el("span", { class: "hint" }, "(optional)"));
  var note = el("textarea", { id: uid + "-note", name: "note",
    maxlength: "500" });
  var whenLabel = el("label", { for: uid + "-when" }, "Call me at ");
  whenLabel.appendChild(el("span", { class: "hint" },
    "(optional; empty: now)"));
  var when = el("input", { id: uid + "-when", type: "datetime-local",
    name: "when" });
  var row = el("div", { class: "row" });
  var submit = el("button", { type: "submit", class: "btn primary" },
    "Call me");
  var close = el("button", { type: "button", class: "btn ghost" }, "Close");
  row.appendChild(submit);
  row.appendChild(close);
  [numLabel, num, rememberLabel, noteLabel, note, whenLabel, when, row]
    .forEach(function (n) { form.appendChild(n); });
  var status = el("div", { class: "status", role: "status",
    "aria-live": "polite", "aria-atomic": "true" });
  [title, intro, form, status].forEach(function (n) {
    panel.appendChild(n);
  });

  var open = el("button", { type: "button", class: "open",
    "aria-expanded": "false", "aria-controls": uid + "-panel" });
  open.appendChild(el("span", { "aria-hidden": "true" }, "\u260e"));
  open.appendChild(document.createTextNode(label));
  root.appendChild(panel);
  root.appendChild(open);

  var saved = null;
  try {
    saved = window.localStorage.getItem(storeKey);
  } catch (e) {
    saved = null;
  }
  if (saved) {
    num.value = saved;
    remember.checked = true;
  }

  var timer = null;
  var busy = false;

  function say(text, kind) {
    status.className = "status" + (kind ? " " + kind : "");
    status.textContent = text;
  }

  function announce(id, st) {
    host.setAttribute("data-status", st);
    if (id) {
      host.setAttribute("data-request-id", id);
    }
    host.dispatchEvent(new CustomEvent("cb-widget", {
      detail: { id: id, status: st } }));
  }

  function show(yes) {
    panel.hidden = !yes;
    open.setAttribute("aria-expanded", yes ? "true" : "false");
    if (yes) {
      (num.value ? submit : num).focus();
    } else {
      open.focus();
    }
  }

  open.addEventListener("click", function () {
    show(panel.hidden);
  });
  close.addEventListener("click", function () {
    show(false);
  });
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") {
      show(false);
    }
  });

  // at most max bytes of UTF-8, cut between characters
  function clip(text, max) {
    var enc = new TextEncoder();
    while (enc.encode(text).length > max) {
      text = text.slice(0, -1);
      if (/[\ud800-\udbff]$/.test(text)) {
        text = text.slice(0, -1);        // no half of a surrogate pair
      }
    }
    return text;
  }

  function errorWords(st, body, retry) {
    var e = (body && body.error) || {};
    if (st === 403 && e.code === "destination_blocked") {
      return "Sorry, we cannot call this number.";
    }
    if (st === 403) {
      return "Calls cannot be requested from this page.";
    }
    if (st === 429) {
      return "Too many requests. Please try again" +
        (retry ? " in " + retry + " seconds." : " later.");
    }
    if (st === 400 && e.code === "invalid_number") {
      return "Please check your phone number: it cannot be called.";
    }
    if (st === 400 || st === 422) {
      return "Please check the form: " + (e.message || "invalid input") +
        ".";
    }
    if (st === 409 && e.code === "closed") {
      return "We are closed now. " + (e.message || "") + "";
    }
    return "The call could not be requested (" + st + "). Please try " +
      "again later.";
  }

  function poll(url, id) {
    fetch(base + url, { mode: "cors", credentials: "omit",
      cache: "no-store" })
      .then(function (r) {
        return r.json().then(function (b) { return [r.status, b]; });
      })
      .then(function (res) {
        if (res[0] !== 200) {
          timer = null;
          return;
        }
        var p = res[1];
        var words = p.message || WORDS[p.status] || p.status;
        var last = FINAL.indexOf(p.status) >= 0;
        say(words, last ? (p.status === "completed" ? "done" : "error") :
          (p.status === "connected" ? "done" : ""));
        if (host.getAttribute("data-status") !== p.status) {
          announce(id, p.status);
        }
        timer = last ? null : setTimeout(function () {
          poll(url, id);
        }, POLL_MS);
      })
      .catch(function () {
        timer = setTimeout(function () { poll(url, id); }, POLL_MS * 3);
      });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (busy) {
      return;
    }
    var number = num.value.trim();
    if (!number) {
      say("Please enter your phone number.", "error");
      num.focus();
      return;
    }
    try {
      if (remember.checked) {
        window.localStorage.setItem(storeKey, number);
      } else {
        window.localStorage.removeItem(storeKey);
      }
    } catch (e) {
      /* storage refused: nothing remembered */
    }
    var desired = null;
    if (when.value) {
      var d = new Date(when.value);       // the visitor's local time
      if (isNaN(d.getTime())) {
        say("Please check the time you chose.", "error");
        return;
      }
      desired = d.toISOString();          // UTC, RFC 3339
    }
    var msg = {
      business: business,
      number: number,
      note: clip(note.value.trim(), 512) || null,
      desired_time: desired,
      skill: skill,
      agent: agent,
      page: {
        url: /^https?:/.test(location.href) ?
          clip(String(location.href), 256) : null,
        title: clip(document.title || "", 512) || null
      }
    };
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    busy = true;
    submit.disabled = true;
    say("Sending your request\u2026");
    fetch(base + "/v1/widget/requests?business=" +
      encodeURIComponent(business), {
      method: "POST", mode: "cors", credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(msg)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        return [r.status, b, r.headers.get("Retry-After")];
      });
    }).then(function (res) {
      busy = false;
      submit.disabled = false;
      if (res[0] !== 201) {
        say(errorWords(res[0], res[1], res[2]), "error");
        announce(null, "error");
        return;
      }
      var b = res[1];
      say(WORDS[b.status] || "Request received.");
      announce(b.id, b.status);
      timer = setTimeout(function () { poll(b.progress_url, b.id); },
        POLL_MS);
    }).catch(function () {
      busy = false;
      submit.disabled = false;
      say("The call service cannot be reached from this page. Please " +
        "try again later.", "error");
      announce(null, "error");
    });
  });

  function mount() {
    document.body.appendChild(host);
  }
  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})();
