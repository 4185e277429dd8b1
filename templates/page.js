/* rnndiagram's interactive page (render.html): pan and zoom, tooltips, paths, search,
   folds, views and the time slider. Every page on a document (several notebook cells)
   is set up once, each one on its own elements only; nothing is fetched. */
(function () {
  'use strict';
  var STEP = 1.25, MIN = 0.05, MAX = 20;

  function setUp(page) {
    if (page.getAttribute('data-ready')) return;
    page.setAttribute('data-ready', '1');
    var viewport = page.querySelector('.rnd-viewport'), canvas = page.querySelector('.rnd-canvas');
    var tip = page.querySelector('.rnd-tooltip'), search = page.querySelector('.rnd-search');
    var slider = page.querySelector('.rnd-time'), stepOut = page.querySelector('.rnd-step');
    var layers = JSON.parse((page.querySelector('script.rnd-layers') || {}).textContent || '{}');
    var drawings = Array.prototype.slice.call(page.querySelectorAll('.rnd-drawing'));
    var state = {view: page.getAttribute('data-view') || 'unrolled', folds: {}, step: null, x: 0, y: 0, k: 1};
    page.querySelectorAll('.rnd-toggle').forEach(function (b) {
      state.folds[b.getAttribute('data-fold')] = b.getAttribute('data-states').split(' ')[0];
    });
    if (slider) state.step = slider.getAttribute('data-steps').split(' ')[slider.value];
    var tallest = 0;  // no taller than the tallest drawing needs, nor than 75% of the window
    drawings.forEach(function (d) {
      var s = d.querySelector('svg');
      if (s && s.viewBox && s.viewBox.baseVal) tallest = Math.max(tallest, s.viewBox.baseVal.height);
    });
    if (tallest) viewport.style.height = Math.max(240, Math.min(window.innerHeight * 0.75, tallest + 16)) + 'px';

    function all(sel, root) { return Array.prototype.slice.call((root || page).querySelectorAll(sel)); }
    function current() {
      var best = null;
      drawings.forEach(function (d) {
        if (d.getAttribute('data-view') !== state.view || best) return;
        for (var f in state.folds) if (d.hasAttribute('data-' + f) && d.getAttribute('data-' + f) !== state.folds[f]) return;
        if (d.hasAttribute('data-step') && state.step !== null && d.getAttribute('data-step') !== state.step) return;
        best = d;
      });
      return best || drawings.filter(function (d) { return d.getAttribute('data-view') === state.view; })[0];
    }
    function apply() { canvas.style.transform = 'translate(' + state.x + 'px,' + state.y + 'px) scale(' + state.k + ')'; }
    function zoomAt(factor, cx, cy) {
      var k = Math.min(MAX, Math.max(MIN, state.k * factor));
      state.x = cx - (cx - state.x) * k / state.k; state.y = cy - (cy - state.y) * k / state.k; state.k = k; apply();
    }
    function fit() {
      var d = current(), svg = d && d.querySelector('svg');
      if (!svg) return;
      var w = svg.viewBox.baseVal.width || svg.clientWidth, h = svg.viewBox.baseVal.height || svg.clientHeight;
      var vw = viewport.clientWidth, vh = viewport.clientHeight;
      state.k = Math.min(1, vw / w, vh / h) || 1;
      state.x = (vw - w * state.k) / 2; state.y = Math.max(0, (vh - h * state.k) / 2); apply();
    }
    function show(keepView) {
      var d = current();
      drawings.forEach(function (x) { x.hidden = x !== d; });
      page.setAttribute('data-view', state.view);
      all('.rnd-toolbar button[data-view]').forEach(function (b) {
        b.setAttribute('aria-pressed', String(b.getAttribute('data-view') === state.view));
      });
      if (!keepView) fit();
      mark();
      find();
    }
    function clear() { all('.rnd-highlight').forEach(function (e) { e.classList.remove('rnd-highlight'); }); }

    // Paths: a cell's recurrence, or an input step's way up through the layers.
    function graphOf(d) {
      if (!d._graph) {
        var s = d.querySelector('script.rnd-graph');
        d._graph = s ? JSON.parse(s.textContent) : {};
        d._groups = all('svg > g', d);
      }
      return d._graph;
    }
    function upFrom(d, g) {
      var graph = graphOf(d), index = d._groups.indexOf(g), start = graph.nodes && graph.nodes[index];
      if (!start) return false;
      var byId = {}, seen = {}, todo = [start];
      Object.keys(graph.nodes).forEach(function (i) { byId[graph.nodes[i]] = d._groups[+i]; });
      seen[start] = true;
      while (todo.length) {
        var id = todo.pop();
        byId[id].classList.add('rnd-highlight');
        graph.edges.forEach(function (e) {
          var eg = d._groups[e[0]];
          if (e[1] !== id || /rnd-(state|handoff|feedback)\b/.test(eg.getAttribute('class'))) return;
          eg.classList.add('rnd-highlight');
          if (!seen[e[2]]) { seen[e[2]] = true; todo.push(e[2]); }
        });
      }
      return true;
    }
    function recurrence(d, layer) {
      all('g[data-layer]', d).forEach(function (g) {
        var c = ' ' + g.getAttribute('class') + ' ';
        if (g.getAttribute('data-layer') === layer && /( rnd-cell | rnd-state | rnd-init | rnd-final )/.test(c)) {
          g.classList.add('rnd-highlight');
        }
      });
    }
    function click(target) {
      var g = target.closest && target.closest('g[data-layer]');
      var d = current();
      if (!g || !d || !d.contains(g)) return;
      clear();
      var cls = ' ' + g.getAttribute('class') + ' ', layer = g.getAttribute('data-layer');
      if (state.view === 'rolled' && / rnd-cell /.test(cls)) {
        state.view = 'gates'; show();
        var cell = all('g.rnd-cell.rnd-gates', current()).filter(function (c) {
          var also = (c.getAttribute('data-also') || '').split(' ');
          return c.getAttribute('data-layer') === layer || also.indexOf(layer) >= 0;
        })[0];
        if (cell) { cell.classList.add('rnd-highlight'); reveal(cell); }
        return;
      }
      if (/ rnd-input /.test(cls) && upFrom(d, g)) return;
      if (/ rnd-cell /.test(cls)) recurrence(d, layer);
      else g.classList.add('rnd-highlight');
    }

    // Tooltips from data-layer, data-shape, data-params (and the layer table).
    function describe(g) {
      var lines = [], layer = g.getAttribute('data-layer'), info = layers[layer] || {};
      var html = function (s) { return String(s).replace(/[&<>"]/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); };
      if (layer) lines.push('<b>' + html(info.name || layer) + '</b>' + (info.title ? ' ' + html(info.title) : ''));
      var t = g.getAttribute('data-t'), st = g.getAttribute('data-state'), sh = g.getAttribute('data-shape');
      if (t) lines.push('step ' + html(t));
      if (st) lines.push('state ' + html(st));
      if (sh) lines.push('shape ' + html(sh));
      var cell = / rnd-cell /.test(' ' + g.getAttribute('class') + ' ');
      if (cell && info.units != null) lines.push('units ' + html(info.units));
      if (cell && info.states) lines.push('states ' + html(info.states));
      var params = g.getAttribute('data-params') || (cell ? info.params : null);
      if (params != null) lines.push('parameters ' + html(Number(params).toLocaleString('en')));
      if (!sh && info.output) lines.push('output ' + html(info.output));
      return lines.join('\n');
    }
    function hover(ev) {
      var g = ev.target.closest && ev.target.closest('[data-shape],[data-layer],[data-params]');
      if (!g || !page.contains(g) || g === page || drag) { tip.hidden = true; return; }
      tip.innerHTML = describe(g);
      tip.hidden = !tip.innerHTML;
      var r = page.getBoundingClientRect();
      tip.style.left = Math.min(ev.clientX - r.left + 14, Math.max(0, r.width - tip.offsetWidth - 4)) + 'px';
      tip.style.top = (ev.clientY - r.top + 16) + 'px';
    }

    // Search: layers whose name or class matches.
    function reveal(el) {
      var r = el.getBoundingClientRect(), v = viewport.getBoundingClientRect();
      state.x += v.left + v.width / 2 - (r.left + r.width / 2);
      state.y += v.top + v.height / 2 - (r.top + r.height / 2); apply();
    }
    function find() {
      all('.rnd-match').forEach(function (e) { e.classList.remove('rnd-match'); });
      var q = search ? search.value.trim().toLowerCase() : '';
      if (!q) return;
      var first = null;
      all('g[data-layer]', current()).forEach(function (g) {
        var id = g.getAttribute('data-layer'), info = layers[id] || {};
        var words = [id, info.name, info.title, info['class']].join(' ').toLowerCase();
        if (words.indexOf(q) < 0) return;
        g.classList.add('rnd-match');
        if (!first) first = g;
      });
      if (first) reveal(first);
    }

    // Time: the gate view's step, and a marker over any heatmap's cell of that step.
    function mark() {
      all('.rnd-time-marker').forEach(function (m) { m.parentNode.removeChild(m); });
      all('.rnd-current').forEach(function (e) { e.classList.remove('rnd-current'); });
      if (state.step === null) return;
      var d = current();
      all('g.rnd-heatmap', d).forEach(function (h) {
        all('[data-t="' + state.step + '"]', h).forEach(function (c) {
          var b = c.getBBox(), m = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
          m.setAttribute('class', 'rnd-time-marker');
          m.setAttribute('x', b.x - 1); m.setAttribute('y', b.y - 1);
          m.setAttribute('width', b.width + 2); m.setAttribute('height', b.height + 2);
          h.appendChild(m);
        });
      });
      if (state.view === 'unrolled') {
        all('g.rnd-cell[data-t]', d).forEach(function (c) {
          if (c.getAttribute('data-t') === state.step) c.classList.add('rnd-current');
        });
      }
    }

    // Fold controls in place: a "−" on each expanded nested model's frame, a "+" on the
    // first box of each collapsed one, and a "−" or "+" before the name of each loop's row;
    // each switches its fold like the toolbar's button.
    function placeToggles() {
      var NS = 'http://www.w3.org/2000/svg';
      drawings.forEach(function (d) {
        var fold = d.getAttribute('data-nested'), loops = d.getAttribute('data-loops');
        var seen = {}, spots = [];
        if (fold === 'expanded') {
          all('g.rnd-nested-model', d).forEach(function (g) {
            var r = g.querySelector('rect');
            if (r) spots.push([g, g.getAttribute('data-model'), '\u2212', 'nested', +r.getAttribute('x') + +r.getAttribute('width') - 8, +r.getAttribute('y') - 8]);
          });
        } else if (fold) {
          all('svg > g[data-layer]', d).forEach(function (g) {
            var id = g.getAttribute('data-layer'), r = g.querySelector('rect');
            if ((layers[id] || {}).nested && !seen[id] && r && /\brnd-(box|band)\b/.test(g.getAttribute('class'))) {
              seen[id] = true;
              spots.push([g, id, '+', 'nested', +r.getAttribute('x') + +r.getAttribute('width') - 8, +r.getAttribute('y') - 8]);
            }
          });
        }
        if (d.getAttribute('data-repeats') === 'folded') {
          all('g.rnd-repeat', d).forEach(function (g) {
            var r = g.querySelector('rect');
            if (r) spots.push([g, g.getAttribute('data-repeat') || 'the repeated blocks', '+', 'repeats', +r.getAttribute('x') + +r.getAttribute('width') - 8, +r.getAttribute('y') - 8]);
          });
        }
        if (loops) {
          all('g.rnd-gutter[data-layer]', d).forEach(function (g) {
            var id = g.getAttribute('data-layer'), name = g.querySelector('text');
            if (!(layers[id] || {}).loop || !name) return;
            spots.push([g, id, loops === 'folded' ? '+' : '\u2212', 'loops', +name.getAttribute('x') - 20, +name.getAttribute('y') - 13]);
          });
        }
        spots.forEach(function (spot) {
          var x = spot[4], y = spot[5];
          var t = document.createElementNS(NS, 'g');
          t.setAttribute('class', 'rnd-toggle rnd-fold-control');
          t.setAttribute('data-fold', spot[3]);
          t.setAttribute('tabindex', '0');
          t.setAttribute('role', 'button');
          t.setAttribute('aria-label', (spot[3] === 'loops' ? (spot[2] === '+' ? 'unfold the loop of ' : 'fold the loop of ')
            : spot[3] === 'repeats' ? 'draw every block of ' : (spot[2] === '+' ? 'expand ' : 'collapse ')) + spot[1]);
          var box = document.createElementNS(NS, 'rect');
          box.setAttribute('x', x); box.setAttribute('y', y); box.setAttribute('width', 16);
          box.setAttribute('height', 16); box.setAttribute('rx', 3);
          var label = document.createElementNS(NS, 'text');
          label.setAttribute('x', x + 8); label.setAttribute('y', y + 12.5);
          label.setAttribute('text-anchor', 'middle'); label.setAttribute('font-size', 14);
          label.textContent = spot[2];
          var title = document.createElementNS(NS, 'title');
          title.textContent = t.getAttribute('aria-label');
          t.appendChild(title); t.appendChild(box); t.appendChild(label);
          spot[0].ownerSVGElement.appendChild(t);
        });
      });
    }
    function flip(fold) {
      var b = page.querySelector('.rnd-toolbar .rnd-toggle[data-fold="' + fold + '"]');
      if (!b) return;
      var two = b.getAttribute('data-states').split(' ');
      state.folds[fold] = state.folds[fold] === two[0] ? two[1] : two[0];
      b.setAttribute('aria-pressed', String(state.folds[fold] !== two[0]));
      b.querySelector('.rnd-fold-state').textContent = state.folds[fold];
      clear(); show(true);
    }

    // Wiring.
    var drag = null;
    page.addEventListener('click', function (ev) {
      var b = ev.target.closest('button');
      if (b && page.contains(b)) {
        var a = b.getAttribute('data-action'), r = viewport.getBoundingClientRect();
        if (a === 'zoom-in') zoomAt(STEP, r.width / 2, r.height / 2);
        else if (a === 'zoom-out') zoomAt(1 / STEP, r.width / 2, r.height / 2);
        else if (a === 'fit') fit();
        else if (b.hasAttribute('data-view')) { state.view = b.getAttribute('data-view'); clear(); show(); }
        else if (b.classList.contains('rnd-toggle')) flip(b.getAttribute('data-fold'));
        return;
      }
      var control = ev.target.closest && ev.target.closest('g.rnd-toggle');
      if (control && page.contains(control)) { if (!moved) flip(control.getAttribute('data-fold')); return; }
      if (!moved) click(ev.target);
    });
    var moved = false;
    viewport.addEventListener('pointerdown', function (ev) {
      if (ev.button !== 0) return;
      drag = {x: ev.clientX - state.x, y: ev.clientY - state.y, sx: ev.clientX, sy: ev.clientY}; moved = false;
    });
    window.addEventListener('pointermove', function (ev) {
      if (!drag) return;
      if (Math.abs(ev.clientX - drag.sx) + Math.abs(ev.clientY - drag.sy) > 3) {
        moved = true; viewport.classList.add('rnd-dragging'); tip.hidden = true;
      }
      if (moved) { state.x = ev.clientX - drag.x; state.y = ev.clientY - drag.y; apply(); }
    });
    window.addEventListener('pointerup', function () { drag = null; viewport.classList.remove('rnd-dragging'); });
    viewport.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var r = viewport.getBoundingClientRect();
      zoomAt(ev.deltaY < 0 ? STEP : 1 / STEP, ev.clientX - r.left, ev.clientY - r.top);
    }, {passive: false});
    viewport.addEventListener('mousemove', hover);
    viewport.addEventListener('mouseleave', function () { tip.hidden = true; });
    page.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && ev.target.classList && ev.target.classList.contains('rnd-fold-control')) {
        flip(ev.target.getAttribute('data-fold')); ev.preventDefault(); return;
      }
      if (ev.target === search && ev.key === 'Enter') {  // by keyboard, what a click on the first match does
        var hit = current() && current().querySelector('.rnd-match');
        if (hit) { click(hit); reveal(hit); }
        ev.preventDefault(); return;
      }
      if (ev.target === search || ev.target === slider) { if (ev.key === 'Escape') { search.value = ''; find(); clear(); } return; }
      var r = viewport.getBoundingClientRect(), pan = {ArrowLeft: [40, 0], ArrowRight: [-40, 0], ArrowUp: [0, 40], ArrowDown: [0, -40]};
      if (ev.key === '+' || ev.key === '=') zoomAt(STEP, r.width / 2, r.height / 2);
      else if (ev.key === '-' || ev.key === '_') zoomAt(1 / STEP, r.width / 2, r.height / 2);
      else if (ev.key === '0') fit();
      else if (ev.key === 'Escape') { clear(); if (search) { search.value = ''; find(); } }
      else if (pan[ev.key]) { state.x += pan[ev.key][0]; state.y += pan[ev.key][1]; apply(); }
      else return;
      ev.preventDefault();
    });
    if (search) search.addEventListener('input', find);
    if (slider) {
      slider.addEventListener('input', function () {
        state.step = slider.getAttribute('data-steps').split(' ')[slider.value];
        if (stepOut) stepOut.textContent = state.step;
        show(true);
      });
    }
    placeToggles();
    show();
  }

  function setUpAll() { document.querySelectorAll('.rnd-page').forEach(setUp); }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setUpAll);
  else setUpAll();
})();
