"use strict";
// The reference's search, filters and selection. Without JavaScript, links still open each
// endpoint through :target; with it, the list filters and the selection follows the hash.
(() => {
  const search = document.getElementById("ref-search");
  const method = document.getElementById("ref-method");
  const auth = document.getElementById("ref-auth");
  const count = document.getElementById("ref-count");
  const empty = document.getElementById("ref-empty");
  const placeholder = document.getElementById("ref-placeholder");
  const items = Array.from(document.querySelectorAll(".ref-item"));
  const groups = Array.from(document.querySelectorAll(".ref-group"));
  const articles = new Map(Array.from(document.querySelectorAll("article.endpoint")).map((a) => [a.id, a]));

  const applyFilters = () => {
    const query = search.value.trim().toLowerCase();
    let visible = 0;
    for (const item of items) {
      const shown =
        (!query || item.dataset.search.includes(query)) &&
        (!method.value || item.dataset.method === method.value) &&
        (!auth.value || item.dataset.auth === auth.value);
      item.hidden = !shown;
      if (shown) visible += 1;
    }
    for (const group of groups) {
      group.hidden = !group.querySelector(".ref-item:not([hidden])");
    }
    count.textContent = `${visible} of ${items.length} endpoints`;
    empty.hidden = visible > 0;
  };

  const select = (id) => {
    const article = articles.get(id);
    if (!article) return;
    for (const other of articles.values()) other.classList.toggle("selected", other === article);
    for (const item of items) {
      const link = item.querySelector("a");
      if (item.dataset.id === id) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }
    placeholder.hidden = true;
  };

  const fromHash = () => decodeURIComponent(window.location.hash.slice(1));

  search.addEventListener("input", applyFilters);
  method.addEventListener("change", applyFilters);
  auth.addEventListener("change", applyFilters);
  window.addEventListener("hashchange", () => select(fromHash()));

  applyFilters();
  if (articles.has(fromHash())) {
    select(fromHash());
  } else if (items.length) {
    select(items[0].dataset.id);
  }
})();
