// Clicking a [n] marker (in the chat or the sources list) shows its card in the citation
// panel: the card's turn is unfolded, the card highlighted and scrolled into view. One
// document-level listener, installed once, so re-rendered chat messages need no wiring.
if (!window.__pqCiteInstalled) {
  window.__pqCiteInstalled = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#pq-c"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const card = document.getElementById(link.getAttribute("href").slice(1));
    if (!card) return;
    document.querySelectorAll(".pq-card.pq-active").forEach((c) => c.classList.remove("pq-active"));
    const turn = card.closest("details");
    if (turn) turn.open = true;
    card.classList.add("pq-active");
    card.scrollIntoView({ behavior: "smooth", block: "nearest" });
  }, true);
}
