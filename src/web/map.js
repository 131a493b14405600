/*
 * The MN's map page. It reads the same JSON as `sipmob -C SOCK status`
 * and `devices` (GET /api/status, /api/devices, and /api/events, which
 * streams status on every change) and sends the control socket's own
 * commands (POST /api/command {"args": [...]}). Plain JavaScript: no
 * framework, nothing fetched from elsewhere.
 */
'use strict';

(function () {
  var token = new URLSearchParams(window.location.search).get('token');
  var status = null;      /* the last status reply */
  var devices = [];       /* the room's devices, from `devices --room` */
  var room = '';          /* the room shown */
  var roomFrom = '';      /* where that room came from */
  var chosen = null;      /* the device whose menu is open */
  var split = null;       /* a video split half chosen: {display|camera: device} */
  var busy = false;
  var lastDevicesError = '';

  function $(id) { return document.getElementById(id); }

  function api(path) {
    if (!token) return path;
    return path + (path.indexOf('?') < 0 ? '?' : '&') + 'token=' +
      encodeURIComponent(token);
  }

  function text(el, s) { el.textContent = s == null ? '' : String(s); }

  function showError(msg) {
    var e = $('error');
    if (msg) { text(e, msg); e.hidden = false; } else { e.hidden = true; text(e, ''); }
  }

  /* ---- where the user is ---- */

  function locationOf(st) {
    if (st && st.location && st.location.room) return st.location;
    if (st && st.presence && st.presence.room) return { room: st.presence.room, source: 'beacon' };
    return null;
  }

  function placeLine(loc) {
    var parts = [];
    if (loc.building) parts.push('Building ' + loc.building);
    if (loc.floor !== undefined && loc.floor !== null && loc.floor !== '') parts.push('floor ' + loc.floor);
    if (loc.room) parts.push('room ' + loc.room);
    var where = parts.join(', ');
    var street = [loc.street, loc.hno].filter(Boolean).join(' ');
    var town = [loc.a3, loc.a1, loc.country].filter(Boolean).join(', ');
    var addr = [street, town].filter(Boolean).join(', ');
    if (addr) where += ' (' + addr + ')';
    if (loc.source) where += ' \u2014 from ' + loc.source;
    if (typeof loc.age_ms === 'number') where += ', ' + Math.round(loc.age_ms / 1000) + ' s ago';
    return where;
  }

  function setRoom(r, from) {
    r = (r || '').trim();
    roomFrom = from;
    if (r === room) return;
    room = r;
    devices = [];
    chosen = null;
    $('menu').hidden = true;
    $('room-input').value = room;
    render();
    loadDevices();
  }

  /* ---- the API ---- */

  function getJSON(path) {
    return fetch(api(path), { headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.json(); });
  }

  function loadDevices() {
    if (!room) { devices = []; render(); return; }
    var asked = room;
    getJSON('/api/devices?room=' + encodeURIComponent(asked)).then(function (j) {
      if (asked !== room) return;
      if (!j.ok) {
        lastDevicesError = 'Cannot list the devices of room ' + asked + ': ' + (j.error || 'failed');
        showError(lastDevicesError);
        return;
      }
      if (lastDevicesError) { lastDevicesError = ''; showError(''); }
      devices = j.devices || [];
      render();
    }).catch(function (e) {
      showError('Cannot reach the MN: ' + e.message);
    });
  }

  function command(args) {
    busy = true;
    showError('');
    render();
    return fetch(api('/api/command'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ args: args })
    }).then(function (r) { return r.json(); }).then(function (j) {
      busy = false;
      if (!j.ok) showError(j.error || 'The MN refused: ' + args.join(' '));
      if (j.last_transfer && status && status.call) status.call.last_transfer = j.last_transfer;
      render();
      return j;
    }).catch(function (e) {
      busy = false;
      showError('Cannot reach the MN: ' + e.message);
      render();
    });
  }

  /* ---- drawing ---- */

  function mediaAt(url) {
    var out = [];
    var media = status && status.call && status.call.media || [];
    media.forEach(function (m) {
      if (m.at !== url) return;
      var what = m.type;
      if (m.role === 'out') what += ' (display)';
      else if (m.role === 'in') what += ' (camera)';
      out.push(what);
    });
    return out;
  }

  function attr(d, k) { return d.attrs && d.attrs[k] !== undefined ? d.attrs[k] : undefined; }

  function placed(d) {
    return !isNaN(parseInt(attr(d, 'x'), 10)) && !isNaN(parseInt(attr(d, 'y'), 10));
  }

  /* Where a device is drawn, in percent of the room: at its x, y when
   * SLP gives them; the others in order, two by two when none has a
   * place, else in a row along the near wall. */
  function spot(d, k, m, anyPlaced) {
    if (placed(d)) {
      var y = Math.min(88, Math.max(10, parseInt(attr(d, 'y'), 10)));
      /* the near wall's row is kept free for the devices without a place */
      if (m) y = 8 + Math.round(y * 0.68);
      return { x: Math.min(85, Math.max(15, parseInt(attr(d, 'x'), 10))), y: y };
    }
    if (anyPlaced) return { x: Math.round((k + 0.5) * 100 / m), y: 90 };
    var rows = Math.max(1, Math.ceil(m / 2));
    return { x: k % 2 ? 72 : 28, y: Math.round((Math.floor(k / 2) + 0.5) * 100 / rows) };
  }

  function nameOfUrl(url) {
    if (url === 'self') return 'this phone (MN)';
    for (var i = 0; i < devices.length; i++) {
      if (devices[i].url === url) return devices[i].name;
    }
    return url;
  }

  /* Device buttons are made once per device and updated in place: the
   * status changes twice a second, and a tap must not land on a button
   * that was just replaced. */
  var deviceEls = {};

  function part(el, cls) {
    var p = el.querySelector('.' + cls);
    if (!p) {
      p = document.createElement('span');
      p.className = cls;
      el.appendChild(p);
    }
    return p;
  }

  function deviceEl(d) {
    var el = deviceEls[d.url];
    if (el) return el;
    el = document.createElement('button');
    el.type = 'button';
    el.className = 'device';
    el.setAttribute('data-url', d.url);
    el.addEventListener('click', function () {
      var cur = devices.filter(function (x) { return x.url === d.url; })[0];
      if (cur) openMenu(cur);
    });
    deviceEls[d.url] = el;
    $('room').appendChild(el);
    return el;
  }

  function drawRoom() {
    var seen = {};
    $('room-empty').hidden = devices.length > 0;
    text($('room-empty'), room ? 'No devices found in room ' + room + ' yet.' :
      'Where are you? Give a room above.');
    var anyPlaced = devices.some(placed);
    var loose = devices.filter(function (d) { return !placed(d); });
    devices.forEach(function (d) {
      var p = spot(d, loose.indexOf(d), loose.length, anyPlaced);
      var el = deviceEl(d);
      seen[d.url] = true;
      el.style.left = p.x + '%';
      el.style.top = p.y + '%';
      text(part(el, 'name'), d.name);
      text(part(el, 'caps'), [attr(d, 'media'), attr(d, 'direction'), attr(d, 'codecs')]
        .filter(function (v) { return v !== undefined && v !== ''; }).join(' \u00b7 '));
      var here = mediaAt(d.url);
      el.classList.toggle('holds', here.length > 0);
      var h = part(el, 'here');
      text(h, here.length ? here.join(', ') + ' here' : '');
      h.hidden = !here.length;
    });
    Object.keys(deviceEls).forEach(function (url) {
      if (seen[url]) return;
      deviceEls[url].parentNode.removeChild(deviceEls[url]);
      delete deviceEls[url];
    });
  }

  function openMenu(d) {
    chosen = d;
    var media = String(attr(d, 'media') || '');
    var dir = String(attr(d, 'direction') || 'both');
    var audio = media.indexOf('audio') >= 0, video = media.indexOf('video') >= 0;
    text($('menu-title'), d.name);
    var can = {
      audio: audio,
      video: video,
      display: video && dir !== 'out',
      camera: video && dir !== 'in',
      everything: true,
      close: true
    };
    Array.prototype.slice.call($('menu').querySelectorAll('button')).forEach(function (b) {
      var a = b.getAttribute('data-action');
      b.hidden = !can[a];
      b.disabled = busy && a !== 'close';
    });
    $('menu').hidden = false;
  }

  function act(action) {
    var d = chosen;
    $('menu').hidden = true;
    chosen = null;
    if (!d || action === 'close') return;
    if (action === 'display' || action === 'camera') {
      /* a video split names both ends (move --display D --camera C):
       * the first click keeps its half until the other is chosen */
      var other = action === 'display' ? 'camera' : 'display';
      if (split && split[other]) {
        var args = ['move', '--display', '', '--camera', ''];
        args[2] = action === 'display' ? d.url : split.display.url;
        args[4] = action === 'camera' ? d.url : split.camera.url;
        split = null;
        showNote('');
        command(args);
        return;
      }
      split = {};
      split[action] = d;
      showNote(d.name + ' will be the ' + action + '. Now choose the ' + other +
        ': click a device, then "' + (other === 'display' ? 'Display' : 'Camera') + ' here".');
      return;
    }
    split = null;
    showNote('');
    var opt = { audio: '--audio', video: '--video', everything: '--to' }[action];
    if (opt) command(['move', opt, d.url]);
  }

  function showNote(msg) {
    var n = $('note');
    text(n, msg);
    n.hidden = !msg;
  }

  function drawCall() {
    var call = status && status.call || {};
    text($('call-state'), call.state || 'unknown');
    text($('call-remote'), call.remote ? 'with ' + call.remote : '');
    $('busy').hidden = !(busy || call.transferring);
    var ul = $('media');
    ul.textContent = '';
    var away = false;
    (call.media || []).forEach(function (m) {
      var li = document.createElement('li');
      var role = m.role === 'out' ? ' (display)' : m.role === 'in' ? ' (camera)' : '';
      text(li, m.type + role + ' ' + (m.codec || '') + ' ' + (m.dir || '') +
        ' \u2192 ' + nameOfUrl(m.at) + (m.lost ? ' \u2014 lost: ' + m.lost : ''));
      li.setAttribute('data-type', m.type);
      li.setAttribute('data-at', m.at);
      ul.appendChild(li);
      if (m.at !== 'self') away = true;
    });
    if (!(call.media || []).length) {
      var none = document.createElement('li');
      none.className = 'empty';
      text(none, call.state === 'established' ? 'No media.' : 'No call.');
      ul.appendChild(none);
    }
    if (call.last_error) showError(call.last_error);
    $('bring-back').disabled = busy || !away || !!call.transferring;
  }

  function ms(v) { return typeof v === 'number' ? v + ' ms' : '\u2014'; }

  function drawTransfer() {
    var lt = status && status.call && status.call.last_transfer;
    $('xfer-none').hidden = !!lt;
    $('xfer').hidden = !lt;
    var ol = $('ladder');
    ol.textContent = '';
    if (!lt) return;
    text($('xfer-what'), lt.mode + ' (' + lt.transfer_mode + ')' +
      (lt.ok ? '' : ' failed: ' + lt.error) + (lt.bridged ? ', bridged' : ''));
    var v = lt.video;
    function both(a, vv) { return v ? 'audio ' + a + ', video ' + vv : a; }
    text($('xfer-latency'), both(ms(lt.latency_ms), v && ms(v.latency_ms)));
    text($('xfer-lapse'), both(typeof lt.lapse_packets === 'number' ?
      lt.lapse_packets + ' packets' : '\u2014', v && (typeof v.lapse_frames === 'number' ?
      v.lapse_frames + ' frames' : '\u2014')));
    text($('xfer-disruption'), both(ms(lt.disruption_ms), v && ms(v.disruption_ms)));
    text($('xfer-signaling'), ms(lt.signaling_ms));
    (lt.ladder || []).forEach(function (s) {
      var li = document.createElement('li');
      var t = document.createElement('span');
      t.className = 't';
      text(t, '+' + s.t_ms + ' ms');
      li.appendChild(t);
      li.appendChild(document.createTextNode(' ' + s.step));
      ol.appendChild(li);
    });
  }

  function render() {
    var loc = locationOf(status);
    if (!loc && room && devices.length) {
      /* no location from the network: the room's devices say where it is */
      var a = devices[0].attrs || {};
      loc = { building: a.building, floor: a.floor, room: room,
        source: 'the devices\' SLP entries' };
    }
    text($('place'), loc ? placeLine(loc) : room ? 'Room ' + room + ' (given here)' :
      'Location unknown');
    drawRoom();
    drawCall();
    drawTransfer();
    drawLeft();
  }

  /* The user left a room that still holds some of the call's media: the
   * MN offers them back (status.location.retrieve_offered) */
  function drawLeft() {
    var off = status && status.location && status.location.retrieve_offered;
    var call = status && status.call;
    /* ...as long as one of them is still away from the MN */
    var away = off && off.media && call && call.media ?
      call.media.some(function (m) {
        return off.media.split(',').indexOf(m.type) >= 0 && m.at !== 'self';
      }) : false;
    var show = !!(away && off.auto !== 'done' && call.state === 'established');
    $('left').hidden = !show;
    if (show)
      text($('left-text'), 'You left room ' + off.left_room + '; its ' +
        off.media + ' is still there' +
        (off.auto === 'retrieving' ? ' (bringing it back)' :
         off.auto === 'failed' ? ' (bringing it back failed)' : '') + '.');
  }

  /* ---- live status ---- */

  function onStatus(st) {
    status = st;
    var loc = locationOf(st);
    if (loc && (roomFrom !== 'user' || !room)) setRoom(String(loc.room), 'location');
    render();
  }

  function listen() {
    if (!window.EventSource) {   /* no event streams: ask every second */
      setInterval(function () { getJSON('/api/status').then(onStatus); }, 1000);
      return;
    }
    var es = new EventSource(api('/api/events'));
    es.onopen = function () { text($('live'), 'live'); };
    es.onmessage = function (ev) {
      text($('live'), 'live');
      try { onStatus(JSON.parse(ev.data)); } catch (e) { showError('Bad status from the MN: ' + e.message); }
    };
    es.onerror = function () { text($('live'), 'reconnecting\u2026'); };
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('room-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      setRoom($('room-input').value, 'user');
    });
    Array.prototype.slice.call($('menu').querySelectorAll('button')).forEach(function (b) {
      b.addEventListener('click', function () { act(b.getAttribute('data-action')); });
    });
    $('bring-back').addEventListener('click', function () { command(['retrieve']); });
    $('left-back').addEventListener('click', function () { command(['retrieve']); });
    var q = new URLSearchParams(window.location.search).get('room');
    if (q) setRoom(q, 'user');
    render();
    listen();
    setInterval(loadDevices, 15000);
  });
}());
