/* Filters and sorting for a mapconf report page, copied inline into it.

   The page works without this script: every row is in the markup, details
   open with <details>, and the "unexpected only" box works through CSS. The
   script only adds: the filter controls (clause, backend, status, text),
   filters read from the URL fragment (#unexpected=1&clause=C5) and written
   back to it, and sorting a table by a click on a column header.

   What the page promises the script:
   - [data-item]: something a filter shows or hides (a table row, a result's
     details); it may carry data-clause, data-differs="1", data-changed="1".
   - [data-status]: one result, with data-backend and data-unexpected="0|1";
     an item shows if at least one of its results passes the result filters.
   - [data-group]: hidden when none of its items is shown.
   - [data-filter="key"]: a control; the key is its name in the fragment.
   - th[data-key]: a sortable column; a cell's data-sort, if any, is its value.

   It sets attributes and textContent only, never markup, so no string from
   a results file can become part of the page's structure. */
(function () {
  "use strict";

  var controls = Array.prototype.slice.call(document.querySelectorAll("[data-filter]"));
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-item]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-group]"));
  var shown = document.getElementById("shown");
  var originalOrder = new Map();
  var searchText = new Map();
  var sorting = { key: "", descending: false };

  items.forEach(function (item, index) { originalOrder.set(item, index); });

  function resultsOf(item) {
    if (item.hasAttribute("data-status")) return [item];
    return Array.prototype.slice.call(item.querySelectorAll("[data-status]"));
  }

  /* A row's searchable text includes the details it links to (message,
     transcript, native error values), not only what the row shows. */
  function textOf(item) {
    if (!searchText.has(item)) {
      var parts = [item.textContent];
      item.querySelectorAll('a[href^="#r-"]').forEach(function (link) {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) parts.push(target.textContent);
      });
      searchText.set(item, parts.join("\n").toLowerCase());
    }
    return searchText.get(item);
  }

  function currentFilters() {
    var filters = {};
    controls.forEach(function (control) {
      var key = control.getAttribute("data-filter");
      filters[key] = control.type === "checkbox" ? control.checked : control.value.trim();
    });
    return filters;
  }

  function resultPasses(result, filters) {
    return (!filters.backend || result.getAttribute("data-backend") === filters.backend) &&
           (!filters.status || result.getAttribute("data-status") === filters.status) &&
           (!filters.unexpected || result.getAttribute("data-unexpected") === "1");
  }

  function itemPasses(item, filters) {
    if (filters.clause && item.getAttribute("data-clause") !== filters.clause) return false;
    if (filters.differs && item.getAttribute("data-differs") !== "1") return false;
    if (filters.changed && item.getAttribute("data-changed") !== "1") return false;
    if (filters.q && textOf(item).indexOf(filters.q.toLowerCase()) < 0) return false;
    var any = false;
    resultsOf(item).forEach(function (result) {
      var passes = resultPasses(result, filters);
      if (result !== item) result.classList.toggle("nomatch", !passes);
      any = any || passes;
    });
    return any;
  }

  function applyFilters() {
    var filters = currentFilters();
    var counted = 0, visible = 0;
    items.forEach(function (item) {
      var passes = itemPasses(item, filters);
      item.hidden = !passes;
      if (item.hasAttribute("data-count")) {
        counted += 1;
        if (passes) visible += 1;
      }
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("[data-item]:not([hidden])");
    });
    if (shown) {
      shown.textContent = visible + " of " + counted + " " + shown.getAttribute("data-noun") + " shown";
    }
  }

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }

  function compareValues(a, b) {
    var numberA = Number(a), numberB = Number(b);
    if (a !== "" && b !== "" && !isNaN(numberA) && !isNaN(numberB)) return numberA - numberB;
    return a.localeCompare(b, undefined, { numeric: true });
  }

  /* Rows are sorted inside their own table body, so a clause's rows stay
     under their clause; equal values keep the page's original order. */
  function sortBy(key, descending) {
    sorting = { key: key, descending: descending };
    document.querySelectorAll("th[data-key]").forEach(function (header) {
      if (header.getAttribute("data-key") !== key) {
        header.removeAttribute("aria-sort");
        return;
      }
      header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      var index = header.cellIndex;
      Array.prototype.forEach.call(header.closest("table").tBodies, function (body) {
        var rows = Array.prototype.filter.call(body.rows, function (row) { return row.hasAttribute("data-item"); });
        rows.sort(function (a, b) {
          var order = compareValues(cellValue(a, index), cellValue(b, index));
          if (descending) order = -order;
          return order || originalOrder.get(a) - originalOrder.get(b);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function writeFragment() {
    var params = new URLSearchParams();
    controls.forEach(function (control) {
      var key = control.getAttribute("data-filter");
      if (control.type === "checkbox") {
        if (control.checked) params.set(key, "1");
      } else if (control.value.trim()) {
        params.set(key, control.value.trim());
      }
    });
    if (sorting.key) {
      params.set("sort", sorting.key);
      if (sorting.descending) params.set("order", "desc");
    }
    var fragment = params.toString();
    try {
      history.replaceState(null, "", fragment ? "#" + fragment : location.pathname + location.search);
    } catch (error) {
      /* some browsers refuse history changes on file: pages; the filters still work */
    }
  }

  /* A fragment with "=" holds filters; any other fragment names an element,
     such as a result's details, which is then opened and shown. */
  function readFragment() {
    var fragment = location.hash.slice(1);
    if (fragment.indexOf("=") < 0) {
      var target = null;
      try {
        target = fragment && document.getElementById(decodeURIComponent(fragment));
      } catch (error) {
        /* a malformed %-escape names no element */
      }
      if (target && target.tagName === "DETAILS") {
        target.open = true;
        target.hidden = false;
      }
      return;
    }
    var params = new URLSearchParams(fragment);
    controls.forEach(function (control) {
      var value = params.get(control.getAttribute("data-filter")) || "";
      if (control.type === "checkbox") control.checked = value === "1" || value === "true";
      else control.value = value;
    });
    if (params.get("sort")) sortBy(params.get("sort"), params.get("order") === "desc");
    applyFilters();
  }

  controls.forEach(function (control) {
    var event = control.type === "checkbox" || control.tagName === "SELECT" ? "change" : "input";
    control.addEventListener(event, function () {
      applyFilters();
      writeFragment();
    });
  });

  document.querySelectorAll("th[data-key]").forEach(function (header) {
    header.tabIndex = 0;
    header.title = "sort by this column";
    function toggle() {
      var key = header.getAttribute("data-key");
      sortBy(key, sorting.key === key && !sorting.descending);
      writeFragment();
    }
    header.addEventListener("click", toggle);
    header.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle();
      }
    });
  });

  document.querySelectorAll("[data-needs-script]").forEach(function (element) { element.hidden = false; });
  window.addEventListener("hashchange", readFragment);
  applyFilters();
  readFragment();
})();
