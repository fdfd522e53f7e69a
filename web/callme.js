/*
 * The "Call me" page (callme.html): the business is ?tenant=ID.  Loads
 * the offered items, posts the request to POST /v1/callme, then polls
 * GET /v1/callme/{id}?token= every second and says where the callback
 * is, until it ends.  No framework, no external assets.
 */
(function () {
  "use strict";

  var STATUS = {
    "scheduled": "Scheduled: we will call you at the time you chose.",
    "dialing": "Calling you now…",
    "in-progress": "Connected: enjoy!",
    "completed": "Done: the call is over. Thank you!",
    "busy": "Your line was busy. Please try again later.",
    "no-answer": "We called, but nobody answered.",
    "invalid-number": "That number cannot be called.",
    "failed": "Sorry, the call could not be made.",
    "canceled": "The callback was canceled."
  };
  var FINAL = ["completed", "busy", "no-answer", "invalid-number", "failed",
               "canceled"];
  var ERRORS = {
    "destination_blocked": "This number cannot be called.",
    "identification_not_allowed":
      "Please sign in with your login: a number alone is not enough here.",
    "rate_limited": "Too many requests. Please wait a moment.",
    "too_many_attempts": "Too many failed sign-ins. Please wait a moment.",
    "invalid_credentials": "Wrong login or password.",
    "invalid_number": "Please enter a valid phone number, e.g. +15550100.",
    "no_number": "We have no number on record for you.",
    "unknown_business": "This page does not belong to a known business.",
    "unknown_item": "Please choose one of the items offered.",
    "too_far": "Please choose a time within the next 30 days."
  };

  var tenant = new URLSearchParams(location.search).get("tenant") ||
    "default";
  var $ = function (id) { return document.getElementById(id); };
  var timer = null;

  function showError(text) {
    var e = $("error");
    e.textContent = text;
    e.hidden = !text;
  }

  function errorText(status, body) {
    var code = body && body.error && body.error.code;
    if (code && ERRORS[code]) return ERRORS[code];
    if (body && body.error && body.error.message)
      return "Sorry: " + body.error.message + ".";
    return "Sorry, something went wrong (" + status + ").";
  }

  function api(method, path, body) {
    var opt = {method: method, headers: {}};
    if (body) {
      opt.headers["Content-Type"] = "application/json";
      opt.body = JSON.stringify(body);
    }
    return fetch(path, opt).then(function (r) {
      return r.text().then(function (t) {
        var j = null;
        try { j = t ? JSON.parse(t) : null; } catch (e) { j = null; }
        return {status: r.status, body: j};
      });
    });
  }

  function loadItems() {
    api("GET", "/v1/callme/" + encodeURIComponent(tenant) + "/items")
      .then(function (r) {
        var sel = $("item");
        sel.textContent = "";
        if (r.status !== 200) {
          showError(r.status === 404 ? ERRORS.unknown_business :
                    errorText(r.status, r.body));
          $("submit").disabled = true;
          return;
        }
        r.body.items.forEach(function (it) {
          var o = document.createElement("option");
          o.value = it.id;
          o.textContent = it.title;
          sel.appendChild(o);
        });
        if (!r.body.items.length) {
          showError("Nothing is offered at the moment.");
          $("submit").disabled = true;
        }
      }, function () { showError("The service cannot be reached."); });
  }

  function who() {
    return document.querySelector("input[name=who]:checked").value;
  }

  function toggleWho() {
    var byLogin = who() === "login";
    $("by-number").hidden = byLogin;
    $("by-login").hidden = !byLogin;
  }

  function setStatus(cb) {
    var text = STATUS[cb.status] || cb.status;
    if (cb.status === "failed" && cb.cause === "insufficient-funds")
      text = "Sorry, the call could not be paid for.";
    $("status").textContent = text;
    $("status").dataset.status = cb.status;
    if (FINAL.indexOf(cb.status) >= 0) {
      clearInterval(timer);
      timer = null;
      $("again").hidden = false;
    }
  }

  function follow(id, token) {
    var poll = function () {
      api("GET", "/v1/callme/" + encodeURIComponent(id) + "?token=" +
          encodeURIComponent(token)).then(function (r) {
        if (r.status === 200) {
          setStatus(r.body);
        } else if (r.status === 404) {
          /* gone (pruned, or not ours): stop asking */
          clearInterval(timer);
          timer = null;
          $("again").hidden = false;
          showError("This callback is no longer known.");
        }
      }, function () { /* try again on the next tick */ });
    };
    timer = setInterval(poll, 1000);
  }

  function submit(ev) {
    ev.preventDefault();
    showError("");
    var body = {tenant: tenant, service: {play: $("item").value}};
    if (who() === "login") {
      body.client = {login: $("login").value.trim(),
                     password: $("password").value};
      if (!body.client.login || !body.client.password) {
        showError("Please enter your login and password.");
        return;
      }
    } else {
      body.client = {number: $("number").value.trim()};
      if (!body.client.number) {
        showError(ERRORS.invalid_number);
        return;
      }
    }
    if (!body.service.play) {
      showError(ERRORS.unknown_item);
      return;
    }
    if ($("when").value) {
      var t = new Date($("when").value);
      if (isNaN(t.getTime())) {
        showError("Please enter a valid time.");
        return;
      }
      body.at = t.toISOString().replace(/\.\d{3}Z$/, "Z");
    }
    $("submit").disabled = true;
    api("POST", "/v1/callme", body).then(function (r) {
      $("password").value = "";
      if (r.status !== 201) {
        $("submit").disabled = false;
        showError(errorText(r.status, r.body));
        return;
      }
      $("callme").hidden = true;
      $("progress").hidden = false;
      setStatus(r.body.callback);
      if (FINAL.indexOf(r.body.callback.status) < 0)
        follow(r.body.callback.id, r.body.token);
    }, function () {
      $("submit").disabled = false;
      showError("The service cannot be reached.");
    });
  }

  function again() {
    showError("");
    $("progress").hidden = true;
    $("again").hidden = true;
    $("callme").hidden = false;
    $("submit").disabled = false;
  }

  document.querySelectorAll("input[name=who]").forEach(function (r) {
    r.addEventListener("change", toggleWho);
  });
  $("callme").addEventListener("submit", submit);
  $("again").addEventListener("click", again);
  loadItems();
})();
