// The defendant × right matrix: click a column heading to sort the rows by it (again to reverse).
"use strict";

(function () {
  const table = document.getElementById("matrix");
  if (!table) return;
  const body = table.tBodies[0];
  let current = null;
  let descending = true;

  function key(row, column, index) {
    if (column === "name") return row.dataset.name.toLowerCase();
    if (column === "total") return Number(row.dataset.total);
    return Number(row.cells[index].dataset.value || 0);
  }

  table.tHead.querySelectorAll("th[data-sort]").forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      const column = th.dataset.sort;
      const index = Array.from(th.parentNode.children).indexOf(th);
      descending = current === column ? !descending : column !== "name";
      current = column;
      const rows = Array.from(body.rows);
      rows.sort(function (a, b) {
        const x = key(a, column, index);
        const y = key(b, column, index);
        const order = x < y ? -1 : x > y ? 1 : 0;
        return descending ? -order : order;
      });
      rows.forEach(function (row) {
        body.appendChild(row);
      });
      table.tHead.querySelectorAll("th").forEach(function (other) {
        other.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    });
  });
})();
