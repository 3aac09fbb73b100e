// Customers search (seed 004): double-click a result to open the record. The Shared ID link opens
// it too, with or without this script.
document.addEventListener("dblclick", (event) => {
  const row = event.target.closest("[data-directory-results] tr[data-href]");
  if (row && !event.target.closest("a")) window.location.assign(row.dataset.href);
});
