// The waiting page: asks the server every second whether the app has answered, and then
// sends the page's own "continue" form (so the browser goes back to the service without a
// reload in between); keeps the QR code and the time left current. Without script the
// citizen presses "continue" instead. Served from this origin only (no inline script).
(function () {
  'use strict';
  var page = document.getElementById('waiting');
  if (!page) { return; }
  var finish = document.getElementById('finish');
  var qr = document.getElementById('qr');
  var timeLeft = document.getElementById('time-left');
  var seconds = parseInt(page.getAttribute('data-seconds-left'), 10) || 0;
  var done = false;

  function showTime() {
    var s = Math.max(0, seconds);
    var rest = s % 60;
    timeLeft.textContent = Math.floor(s / 60) + ':' + (rest < 10 ? '0' : '') + rest;
  }

  function poll() {
    fetch(page.getAttribute('data-status'), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (status) {
        if (!status) { return; }
        if (status.phase !== 'waiting') {
          done = true;
          finish.submit();
          return;
        }
        seconds = status.seconds_left;
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { if (!done) { setTimeout(poll, 1000); } });
  }

  setInterval(function () {
    if (done) { return; }
    seconds -= 1;
    showTime();
    if (qr) { qr.src = qr.getAttribute('data-src') + '?n=' + Date.now(); }
  }, 1000);
  setTimeout(poll, 1000);
})();
