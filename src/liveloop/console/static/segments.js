// The segment builder: a clicked preset condition is added to the rule's "and" list (the rule
// becomes {"and": [...]} once it holds two conditions); "清空" empties the editor.
(function () {
  function editor() { return document.getElementById("segment-rule"); }
  function add(condition) {
    var area = editor();
    var text = area.value.trim();
    var rule;
    if (!text) {
      rule = condition;
    } else {
      var current;
      try { current = JSON.parse(text); } catch (e) { alert("当前规则不是合法的 JSON,请先修正"); return; }
      rule = current && Array.isArray(current.and)
        ? { and: current.and.concat([condition]) }
        : { and: [current, condition] };
    }
    area.value = JSON.stringify(rule, null, 2);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-preset],[data-preset-clear]");
    if (!button) return;
    if (button.hasAttribute("data-preset-clear")) { editor().value = ""; return; }
    add(JSON.parse(button.getAttribute("data-preset")));
  });
})();
