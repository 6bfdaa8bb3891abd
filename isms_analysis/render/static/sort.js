
(function () {
  function key(cell) {
    var t = cell.textContent.trim();
    var en = document.documentElement.lang === "en";
    var n = Number(en ? t.replace(/,/g, "") : t.replace(/\./g, "").replace(",", "."));
    return (t !== "" && !isNaN(n)) ? [0, n] : [1, t.toLowerCase()];
  }
  function cmp(a, b) {
    if (a[0] !== b[0]) { return a[0] - b[0]; }
    return a[1] < b[1] ? -1 : (a[1] > b[1] ? 1 : 0);
  }
  function init() {
    document.querySelectorAll("table.sortable").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, col) {
        th.setAttribute("aria-sort", "none");
        th.addEventListener("click", function () {
          var asc = th.getAttribute("aria-sort") !== "ascending";
          table.querySelectorAll("thead th").forEach(function (o) { o.setAttribute("aria-sort", "none"); });
          th.setAttribute("aria-sort", asc ? "ascending" : "descending");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (r1, r2) {
            var c = cmp(key(r1.cells[col]), key(r2.cells[col]));
            return asc ? c : -c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
