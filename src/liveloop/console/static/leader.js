// The leader's portal: "复制" copies the link beside it (selects it where the clipboard is
// not offered, so a long press still copies).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const input = button.parentElement.querySelector("input");
  if (!input) return;
  input.select();
  const done = () => { button.textContent = "已复制"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(done, () => {});
  } else {
    try { document.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ }
  }
});
