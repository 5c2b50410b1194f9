// Small conveniences; every page works without them. No script lives in the pages
// themselves (the Content-Security-Policy allows only this file): behaviour is attached
// here, by data- attributes.
(function () {
  // Print buttons (certificate, poster, report).
  Array.prototype.forEach.call(document.querySelectorAll('[data-print]'), function (button) {
    button.addEventListener('click', function () { window.print(); });
  });
  // Building → entrance: only offer the entrances that building has.
  var building = document.getElementById('building');
  var entrance = document.getElementById('entrance');
  if (building && entrance) {
    var all = Array.prototype.slice.call(entrance.options);
    var limit = function () {
      var opt = building.options[building.selectedIndex];
      var allowed = opt && opt.dataset.entrances ? opt.dataset.entrances.split(',') : null;
      all.forEach(function (o) { o.hidden = !!(allowed && o.value && allowed.indexOf(o.value) < 0); });
      if (entrance.selectedOptions[0] && entrance.selectedOptions[0].hidden) { entrance.value = ''; }
    };
    building.addEventListener('change', limit);
    limit();
  }
  // Intake: show possible duplicates (same entrance and category) while typing.
  var box = document.getElementById('duplicates');
  var form = document.querySelector('form.request-form');
  if (box && form) {
    var check = function () {
      var category = form.querySelector('input[name=category]:checked');
      if (!building.value || !category) { box.innerHTML = ''; return; }
      var q = new URLSearchParams({ building: building.value, entrance: entrance.value, category: category.value });
      fetch('/desk/duplicates?' + q.toString(), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : ''; })
        .then(function (html) { box.innerHTML = html; });
    };
    form.addEventListener('change', check);
  }
})();
