/* Mirador de Obras: accessibility repairs of Dash's components and sortable tables.
 *
 * Dash 4 renders (1) a checklist or radio group as role=listbox with role=option labels
 * around native checkboxes (interactive controls nested, a listbox without a name), (2) a
 * dropdown whose keyboard stop is an aria-hidden input that hands focus to the real button,
 * and (3) DataTable's page buttons as icons without a name. The repairs below run on every
 * change of the page (a MutationObserver), so components Dash renders later are repaired too:
 * the native controls keep their own roles and take the name of the label that points at
 * them (an open dropdown's list, the name of its trigger's label). Tables with the class `a11y-sortable` sort by a click (or Enter) on a column's
 * button, by each cell's data-sort value, and say so in aria-sort. No external library.
 */
(function () {
  'use strict';

  var PAGE_BUTTONS = {
    'first-page': 'Primera página', 'previous-page': 'Página anterior',
    'next-page': 'Página siguiente', 'last-page': 'Última página'
  };

  function labelOf(id) {
    if (!id) { return null; }
    var label = document.querySelector('label[for="' + CSS.escape(id) + '"]');
    if (!label) { return null; }
    if (!label.id) { label.id = id + '-etiqueta'; }
    return label.id;
  }

  function setAttr(el, name, value) {
    if (el.getAttribute(name) !== value) { el.setAttribute(name, value); }
  }

  function repairOptions(list) {
    var radio = list.classList.contains('dash-radioitems') ||
      !!list.querySelector('input[type=radio]');
    setAttr(list, 'role', radio ? 'radiogroup' : 'group');
    // An open dropdown's list lives in a popup whose trigger (aria-controls) has the label;
    // Dash's keys move between its options by data-option-index, not by role.
    var popup = list.closest('.dash-dropdown-content');
    var trigger = popup && popup.id &&
      document.querySelector('button[aria-controls="' + CSS.escape(popup.id) + '"]');
    var label = trigger ? (labelOf(trigger.id) || trigger.id) : labelOf(list.id);
    if (label) { setAttr(list, 'aria-labelledby', label); }
    // React sets aria-selected again when an option is chosen (the role it set once stays
    // removed): both are removed whenever either is there.
    var options = '.dash-options-list-option[role], .dash-options-list-option[aria-selected]';
    list.querySelectorAll(options).forEach(function (opt) {
      opt.removeAttribute('role');
      opt.removeAttribute('aria-selected');
    });
  }

  function repairDropdown(wrapper) {
    var target = wrapper.querySelector('.dash-dropdown-focus-target');
    var button = wrapper.querySelector('button.dash-dropdown');
    if (!target || !button) { return; }
    setAttr(target, 'tabindex', '-1');
    if (!button.disabled) { setAttr(button, 'tabindex', '0'); }
    var label = labelOf(button.id);
    var named = button.getAttribute('aria-labelledby') || '';
    if (label && named.split(' ').indexOf(label) < 0) {
      setAttr(button, 'aria-labelledby', (label + ' ' + named).trim());
    }
  }

  function repairPager(root) {
    Object.keys(PAGE_BUTTONS).forEach(function (name) {
      root.querySelectorAll('button.' + name).forEach(function (b) {
        setAttr(b, 'aria-label', PAGE_BUTTONS[name]);
      });
    });
    root.querySelectorAll('input.current-page').forEach(function (i) {
      setAttr(i, 'aria-label', 'Página actual');
    });
  }

  // A range slider's typed bounds (shown on narrow screens) take the field's label.
  function repairSliderInputs(root) {
    root.querySelectorAll('input.dash-range-slider-min-input, input.dash-range-slider-max-input')
      .forEach(function (input) {
        if (input.getAttribute('aria-label')) { return; }
        var owner = input.closest('[id]');
        var label = owner && document.getElementById(labelOf(owner.id) || '');
        var bound = input.classList.contains('dash-range-slider-min-input') ? 'desde' : 'hasta';
        input.setAttribute('aria-label', (label ? label.textContent.trim() + ': ' : '') + bound);
      });
  }

  function repair(root) {
    root = root || document;
    root.querySelectorAll('.dash-options-list').forEach(repairOptions);
    root.querySelectorAll('.dash-dropdown-wrapper').forEach(repairDropdown);
    repairPager(root);
    repairSliderInputs(root);
  }

  // -- sortable tables ------------------------------------------------------------------------
  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ''; }
    var raw = cell.getAttribute('data-sort');
    if (raw === null) { return cell.textContent.trim().toLowerCase(); }
    if (raw === '') { return null; }
    var n = Number(raw);
    return isNaN(n) ? raw.toLowerCase() : n;
  }

  function sortBy(button) {
    var th = button.closest('th');
    var table = th.closest('table');
    var index = Array.prototype.indexOf.call(th.parentNode.cells, th);
    var descending = th.getAttribute('aria-sort') !== 'descending';
    table.querySelectorAll('thead th[aria-sort]').forEach(function (h) {
      if (h !== th) { h.removeAttribute('aria-sort'); }
    });
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (x === y) { return 0; }
      if (x === null) { return 1; }       // no data: always last
      if (y === null) { return -1; }
      var order = (typeof x === 'number' && typeof y === 'number') ? x - y :
        String(x).localeCompare(String(y), 'es');
      return descending ? -order : order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('table.a11y-sortable th button');
    if (button) { sortBy(button); }
  });

  function start() {
    repair(document);
    new MutationObserver(function (mutations) {
      var again = false;
      for (var i = 0; i < mutations.length && !again; i++) {
        var m = mutations[i];
        again = m.type === 'childList' ? m.addedNodes.length > 0 :
          (m.target.classList && (m.target.classList.contains('dash-dropdown-focus-target') ||
                                  m.target.classList.contains('dash-dropdown') ||
                                  m.target.classList.contains('dash-options-list-option')));
      }
      if (again) { repair(document); }
    }).observe(document.body, {childList: true, subtree: true, attributes: true,
                               attributeFilter: ['tabindex', 'role', 'aria-selected']});
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
