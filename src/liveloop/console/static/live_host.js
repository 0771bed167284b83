// 直播中控: the host's and 场控's console for one show, fed by the room's SSE stream.
// Every text a viewer wrote reaches the page through textContent, never as HTML.
(function () {
  "use strict";
  const root = document.getElementById("host");
  if (!root) return;

  const INTENTS = { question: "提问", purchase: "想买", praise: "夸赞", complaint: "投诉", chitchat: "闲聊" };
  const ASPECTS = {
    price: "价格", taste: "口味", health: "健康", logistics: "物流", freshness: "新鲜度",
    packaging: "包装", usage: "吃法", stock: "库存", origin: "产地", none: "",
  };
  // Where a suggested answer came from: the operator's 话术 library, an LLM, the template.
  const ANSWER_FROM = { script: "话术库回答", llm: "AI 建议回答", template: "建议回答" };
  const LEVELS = { info: "提示", warning: "注意", critical: "紧急" };
  const FIGURES = [
    ["online", "在线人数", "n"], ["viewers", "累计观看", "n"], ["avg_watch_seconds", "平均观看", "dur"],
    ["comments_per_minute", "评论/分钟", "n"], ["clicks", "商品点击", "n"], ["carts", "加购", "n"],
    ["orders", "订单", "n"], ["gmv", "成交额", "money"], ["gmv_per_minute", "成交额/分钟", "money"],
    ["gpm", "千次观看成交 GPM", "money"], ["conversion", "转化率", "pct"],
  ];
  // "last N minutes vs the N before": which window field each card compares.
  const WINDOW_OF = {
    online: "online_mean", comments_per_minute: "comments_per_minute", clicks: "clicks",
    carts: "carts", orders: "orders", gmv: "gmv", gmv_per_minute: "gmv_per_minute", gpm: "gpm",
    conversion: "conversion", viewers: "entries",
  };

  const state = {
    figures: null, clusters: new Map(), alerts: [], comments: [], people: new Map(),
    intent: [], shelf: readJson("host-shelf") || [], offers: readJson("host-offers") || [],
    seconds: [], markers: [], onAir: null, missed: null,
  };
  const $ = (id) => document.getElementById(id);

  function readJson(id) {
    const node = document.getElementById(id);
    try { return node ? JSON.parse(node.textContent) : null; } catch (e) { return null; }
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function value(v) { return v && typeof v === "object" && "value" in v ? v.value : v; }

  function show(kind, v) {
    v = value(v);
    if (v === null || v === undefined) return "—";
    if (kind === "money") return "¥" + Number(v).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    if (kind === "pct") return (Number(v) * 100).toFixed(1) + "%";
    if (kind === "dur") {
      const s = Math.round(Number(v));
      return s >= 60 ? Math.floor(s / 60) + "分" + (s % 60) + "秒" : s + "秒";
    }
    return Number(v).toLocaleString("zh-CN");
  }

  function clock(at) {
    const d = new Date(at * 1000);
    return d.toLocaleTimeString("zh-CN", { hour12: false });
  }

  // --- figures --------------------------------------------------------------------------
  function renderFigures() {
    const f = state.figures;
    if (!f) return;
    const box = $("figures");
    box.replaceChildren();
    const windows = f.windows || {};
    for (const [key, label, kind] of FIGURES) {
      const card = el("div", "stat");
      card.dataset.figure = key;
      card.append(el("span", "label", label));
      const shown = el("span", "value", show(kind, f[key]));
      if (f[key] && f[key].provisional) {
        shown.title = "暂估：以订单结算为准";
        card.classList.add("provisional");
      }
      card.append(shown);
      const field = WINDOW_OF[key];
      if (field && windows.last && windows.before) {
        const now = Number(value(windows.last[field]) || 0);
        const before = Number(value(windows.before[field]) || 0);
        const sub = el("span", "sub");
        const minutes = windows.minutes || 5;
        if (before > 0) {
          const change = ((now - before) / before) * 100;
          sub.textContent = `近${minutes}分钟 ${change >= 0 ? "↑" : "↓"}${Math.abs(change).toFixed(0)}% （对比前${minutes}分钟）`;
          sub.classList.add(change >= 0 ? "up" : "down");
        } else {
          sub.textContent = `近${minutes}分钟 ${show(kind === "pct" ? "pct" : kind === "money" ? "money" : "n", now)}`;
        }
        card.append(sub);
      }
      box.append(card);
    }
    renderProducts(f.products || []);
  }

  // --- products and offers --------------------------------------------------------------
  let productsDrawn = null;  // what the table shows, so a frame that changes nothing keeps its buttons
  function renderProducts(products) {
    const body = $("products");
    const bySku = new Map(products.map((p) => [p.sku, p]));
    const shelf = state.shelf.length ? state.shelf : products.map((p) => ({ sku: p.sku, name: p.name }));
    const ranked = shelf
      .map((item, index) => ({ item, index, figures: bySku.get(item.sku) || {} }))
      .sort((a, b) => ((b.figures.clicks || 0) + (b.figures.carts || 0)) - ((a.figures.clicks || 0) + (a.figures.carts || 0)));
    const drawn = JSON.stringify(ranked.map(({ item, figures }) => [
      item.sku, figures.on_air || state.onAir === item.sku, figures.clicks, figures.carts,
      value(figures.gmv), figures.stock_left, item.stock,
    ]));
    if (drawn === productsDrawn) {
      // Only the seconds on air move: change that text, leave the rows (and their buttons).
      for (const { item, figures } of ranked) {
        const row = body.querySelector(`tr[data-sku="${CSS.escape(item.sku)}"]`);
        if (row && (figures.on_air || state.onAir === item.sku)) {
          row.children[2].textContent = "讲解中 " + show("dur", figures.seconds_on_air);
        }
      }
      return;
    }
    productsDrawn = drawn;
    body.replaceChildren();
    for (const { item, index, figures } of ranked) {
      const row = el("tr");
      row.dataset.sku = item.sku;
      const onAir = figures.on_air || state.onAir === item.sku;
      if (onAir) row.classList.add("on-air");
      row.append(el("td", "", index + 1));
      const name = el("td");
      name.append(el("strong", "", item.name || figures.name || item.sku));
      if (item.live_price) name.append(el("span", "muted", " 直播价 ¥" + item.live_price));
      row.append(name);
      row.append(el("td", "", onAir ? "讲解中 " + show("dur", figures.seconds_on_air) : figures.seconds_on_air ? show("dur", figures.seconds_on_air) : "—"));
      row.append(el("td", "", show("n", figures.clicks || 0)));
      row.append(el("td", "", show("n", figures.carts || 0)));
      row.append(el("td", "", show("money", figures.gmv || 0)));
      const left = figures.stock_left !== undefined ? figures.stock_left : item.stock;
      row.append(el("td", left !== null && left !== undefined && left <= 10 ? "low" : "", left === null || left === undefined ? "不限" : left));
      const cell = el("td");
      const button = el("button", "small", onAir ? "结束讲解" : "开始讲解");
      button.addEventListener("click", () =>
        act(onAir ? "stop_explaining" : "start_explaining", item.sku, {}, onAir ? "结束讲解" : "开始讲解 " + (item.name || item.sku)));
      cell.append(button);
      row.append(cell);
      body.append(row);
    }
    const offers = $("offers");
    if (!offers.childElementCount) {
      for (const offer of state.offers) {
        const kind = offer.kind === "lucky_bag" ? "push_lucky_bag" : "push_coupon";
        const b = el("button", "offer", (offer.kind === "lucky_bag" ? "发福袋：" : "发券：") + offer.title);
        b.dataset.kind = kind;
        b.addEventListener("click", () => act(kind, String(offer.target || offer.id), { offer_id: offer.id }, b.textContent));
        offers.append(b);
      }
    }
  }

  // --- questions ------------------------------------------------------------------------
  function renderQuestions() {
    const list = $("questions");
    list.replaceChildren();
    const clusters = [...state.clusters.values()].sort(
      (a, b) => (a.status !== "open") - (b.status !== "open") || b.askers - a.askers || a.first_at - b.first_at);
    for (const c of clusters.slice(0, 30)) {
      const item = el("li", c.status === "open" ? "open" : "answered");
      item.dataset.cluster = c.id;
      const head = el("div", "head");
      head.append(el("strong", "", `${c.askers} 人在问`), el("span", "q", " " + c.text));
      const aspect = ASPECTS[c.aspect];
      if (aspect) head.append(el("span", "chip", aspect));
      if (c.product) head.append(el("span", "chip", c.product));
      item.append(head);
      item.append(el("div", "answer", (ANSWER_FROM[c.answer_source] || "建议回答") + "：" + (c.suggested_answer || "")));
      if (c.status === "open") {
        const b = el("button", "small", "标记已回答");
        b.addEventListener("click", () => act("answer_question", c.id, { text: c.text }, "已回答：" + c.text));
        item.append(b);
      } else {
        item.append(el("span", "muted", "已回答" + (c.answered_by ? " · " + c.answered_by : "")));
      }
      list.append(item);
    }
    const missed = state.missed;
    $("missed").textContent = missed ? `未回答 ${missed.open} / 共 ${missed.clusters} 组` : "";
  }

  // --- alerts ---------------------------------------------------------------------------
  function renderAlerts() {
    const list = $("alerts");
    list.replaceChildren();
    for (const a of state.alerts.slice(-30).reverse()) {
      const item = el("li", "alert " + (a.level || "warning"));
      item.dataset.code = a.code;
      item.append(el("span", "time", clock(a.at)), el("span", "level", LEVELS[a.level] || "注意"), el("span", "msg", a.message));
      if (a.suggest) {
        const b = el("button", "small suggest", a.suggest.label);
        b.addEventListener("click", () => actOn(a));
        item.append(b);
      }
      list.append(item);
    }
    $("alert-count").textContent = state.alerts.length ? String(state.alerts.length) : "";
  }

  // --- people ---------------------------------------------------------------------------
  function badgeChips(badge) {
    const chips = [];
    if (!badge) return chips;
    for (const label of badge.labels || []) chips.push(el("span", "chip badge", label));
    if (badge.rfm_group) chips.push(el("span", "chip", badge.rfm_group));
    return chips;
  }

  function person(v, withHandoff) {
    const item = el("li");
    item.dataset.viewer = v.viewer;
    item.append(el("strong", "", v.nickname || "观众"), ...badgeChips(v.badge));
    const facts = [];
    facts.push("看了 " + show("dur", v.watch_seconds || 0));
    if (v.asked && v.asked.length) facts.push("问了" + v.asked.map((a) => ASPECTS[a] || "").filter(Boolean).join("、"));
    if (v.clicked && v.clicked.length) facts.push("点了 " + v.clicked.length + " 个商品");
    if (v.badge && v.badge.last_product) facts.push("上次买了 " + v.badge.last_product);
    item.append(el("div", "muted", facts.join(" · ")));
    if (withHandoff && v.customer_id) {
      const b = el("button", "small", "交给导购跟进");
      b.addEventListener("click", () => handoff(v));
      item.append(b);
    }
    return item;
  }

  function renderPeople() {
    const list = $("people");
    list.replaceChildren();
    for (const v of [...state.people.values()].slice(-20).reverse()) list.append(person(v, false));
    const intent = $("intent");
    intent.replaceChildren();
    for (const v of state.intent.slice(0, 20)) intent.append(person(v, true));
  }

  // --- comments -------------------------------------------------------------------------
  function renderComments(fresh) {
    const list = $("comments");
    for (const c of fresh) {
      const item = el("li", c.by_host ? "host-msg" : c.intent || "");
      item.append(el("span", "time", clock(c.at)), el("span", "who", (c.by_host ? "主播" : c.nickname || "观众") + "："));
      item.append(el("span", "text", c.text));
      if (c.by_host) item.append(el("span", "chip", "主播消息"));
      else if (c.intent && c.intent !== "chitchat") item.append(el("span", "chip", INTENTS[c.intent] || ""));
      list.prepend(item);
    }
    while (list.childElementCount > 200) list.lastElementChild.remove();
  }

  // --- the curve ------------------------------------------------------------------------
  let chart = null;
  function renderCurve() {
    if (!window.echarts) return;
    if (!chart) chart = window.echarts.init($("curve"));
    const rows = state.seconds.slice(-1800);
    const x = rows.map((r) => clock(r.second));
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 56, top: 24, bottom: 28 },
      tooltip: { trigger: "axis" },
      legend: { data: ["在线", "成交额"], top: 0 },
      xAxis: { type: "category", data: x },
      yAxis: [{ type: "value", name: "人" }, { type: "value", name: "元" }],
      series: [
        { name: "在线", type: "line", showSymbol: false, data: rows.map((r) => r.online),
          markLine: { symbol: "none", label: { formatter: "{b}" }, data: markerLines(rows) } },
        { name: "成交额", type: "bar", yAxisIndex: 1, data: rows.map((r) => Number(r.gmv)) },
      ],
    });
  }

  function markerLines(rows) {
    if (!rows.length) return [];
    const first = rows[0].second;
    return state.markers
      .filter((m) => m.at >= first)
      .slice(-20)
      .map((m) => ({ name: m.label, xAxis: clock(Math.floor(m.at)) }));
  }

  // --- frames ---------------------------------------------------------------------------
  function takeSeconds(rows) {
    if (!rows || !rows.length) return;
    const last = state.seconds.length ? state.seconds[state.seconds.length - 1].second : -1;
    for (const r of rows) if (r.second > last) state.seconds.push(r);
    if (state.seconds.length > 3600) state.seconds.splice(0, state.seconds.length - 3600);
  }

  function onSnapshot(frame) {
    state.clusters = new Map((frame.questions || []).map((c) => [c.id, c]));
    state.alerts = frame.alerts || [];
    state.markers = frame.markers || [];
    state.people = new Map((frame.viewers_of_note || []).map((v) => [v.viewer, v]));
    state.intent = frame.high_intent || [];
    state.missed = frame.questions_missed || null;
    state.seconds = [];
    if (frame.shelf && frame.shelf.length) state.shelf = frame.shelf;
    takeSeconds(frame.seconds);
    onCommon(frame);
    renderQuestions(); renderAlerts(); renderPeople();
  }

  function onTick(frame) {
    for (const c of frame.questions || []) state.clusters.set(c.id, c);
    if ((frame.questions || []).length) {
      const open = [...state.clusters.values()].filter((c) => c.status === "open").length;
      state.missed = { open, clusters: state.clusters.size };
      renderQuestions();
    }
    if ((frame.alerts || []).length) {
      state.alerts.push(...frame.alerts);
      renderAlerts();
      const newest = frame.alerts[frame.alerts.length - 1];
      flash(newest.message);
    }
    for (const v of frame.arrivals || []) if (v.badge && (v.badge.labels || []).length) state.people.set(v.viewer, v);
    if (frame.high_intent) state.intent = frame.high_intent;
    if ((frame.arrivals || []).length || frame.high_intent) renderPeople();
    state.markers.push(...(frame.markers || []));
    takeSeconds(frame.seconds);
    renderComments(frame.comments || []);
    onCommon(frame);
  }

  function onCommon(frame) {
    if (frame.show) {
      state.onAir = frame.show.on_air || null;
      const status = { scheduled: "未开播", live: "直播中", ended: "已结束" }[frame.show.status];
      if (status) root.dataset.showStatus = frame.show.status;
    }
    if (frame.figures) state.figures = frame.figures;
    if (frame.type === "snapshot") renderComments((frame.comments || []));
    renderFigures();
    renderCurve();
  }

  function connect() {
    const source = new EventSource(root.dataset.stream);
    const status = $("status");
    source.addEventListener("open", () => { status.textContent = "实时"; status.className = "status live"; });
    source.addEventListener("error", () => { status.textContent = "重连中…"; status.className = "status lost"; });
    source.addEventListener("snapshot", (e) => onSnapshot(JSON.parse(e.data)));
    source.addEventListener("tick", (e) => onTick(JSON.parse(e.data)));
    return source;
  }

  // --- actions --------------------------------------------------------------------------
  function key() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: JSON.stringify(body),
    });
    let reply = {};
    try { reply = await response.json(); } catch (e) { reply = {}; }
    return { ok: response.ok, reply };
  }

  async function act(kind, target, detail, label) {
    const { ok, reply } = await post(root.dataset.actions, { kind, target, detail, key: key() });
    flash(ok ? "已执行：" + label : "未执行：" + (reply.message || reply.detail || "请稍后再试"), !ok);
  }

  // An alert's suggestion names the kind of offer ("发优惠券") but not which one: the room
  // knows no offers. It takes the show's first prepared offer of that kind, as C and B do.
  function actOn(alert) {
    const { kind, target, label } = alert.suggest;
    const detail = { alert: alert.id };
    if (!target && (kind === "push_coupon" || kind === "push_lucky_bag")) {
      const lucky = kind === "push_lucky_bag";
      const offer = state.offers.find((o) => (o.kind === "lucky_bag") === lucky);
      if (!offer) { flash("未执行：本场没有准备" + (lucky ? "福袋" : "优惠券"), true); return; }
      detail.offer_id = offer.id;
      act(kind, String(offer.target || offer.id), detail, label + "：" + offer.title);
      return;
    }
    act(kind, target, detail, label);
  }

  async function handoff(v) {
    const { ok, reply } = await post(root.dataset.handoff, { customer_id: v.customer_id, viewer: v.viewer });
    flash(ok ? `已交给导购：${v.nickname || "观众"}` : "未能交给导购：" + (reply.message || reply.detail || "请稍后再试"), !ok);
  }

  let toastTimer = null;
  function flash(text, bad) {
    const toast = $("toast");
    toast.textContent = text;
    toast.className = "toast shown" + (bad ? " bad" : "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { toast.className = "toast"; }, 4000);
  }

  // --- keyboard -------------------------------------------------------------------------
  document.addEventListener("keydown", (e) => {
    if (e.target && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const dialog = $("keys");
    if (e.key === "?") { dialog.open ? dialog.close() : dialog.showModal(); return; }
    if (/^[1-9]$/.test(e.key)) {
      const item = state.shelf[Number(e.key) - 1];
      if (item) act("start_explaining", item.sku, {}, "开始讲解 " + (item.name || item.sku));
    } else if (e.key === "0") {
      if (state.onAir) act("stop_explaining", state.onAir, {}, "结束讲解");
    } else if (e.key === "c" || e.key === "C" || e.key === "b" || e.key === "B") {
      const lucky = e.key.toLowerCase() === "b";
      const offer = state.offers.find((o) => (o.kind === "lucky_bag") === lucky);
      if (offer) act(lucky ? "push_lucky_bag" : "push_coupon", String(offer.target || offer.id), { offer_id: offer.id }, (lucky ? "发福袋：" : "发券：") + offer.title);
    } else if (e.key === "a" || e.key === "A") {
      const top = [...state.clusters.values()].filter((c) => c.status === "open").sort((a, b) => b.askers - a.askers)[0];
      if (top) act("answer_question", top.id, { text: top.text }, "已回答：" + top.text);
    } else if (e.key === "Enter") {
      const alert = [...state.alerts].reverse().find((a) => a.suggest);
      if (alert) actOn(alert);
    } else {
      return;
    }
    e.preventDefault();
  });
  $("keys-help").addEventListener("click", () => $("keys").showModal());

  renderProducts([]);
  connect();
  window.addEventListener("resize", () => chart && chart.resize());
})();
