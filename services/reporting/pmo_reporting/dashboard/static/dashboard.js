// The portfolio dashboard: one GraphQL request for every KPI (with the caller's bearer token),
// each KPI drawn with Vega-Lite through vega-embed (vendored, served by the service). A KPI the
// caller may not see (budgetKpi: FORBIDDEN) says so in its section; the others still show.
// The page never stores the token beyond the browser tab (sessionStorage).
"use strict";

const QUERY = `query Dashboard($f: KpiFilter) {
  demandPipelineKpi(filter: $f) { total byState { state count }
    leadTimes { stage demands medianDays p90Days } }
  decisionsKpi(filter: $f) { total byBodyAndOutcome { bodyName outcome count } }
  portfolioValueKpi(filter: $f) { currency items figuresHiddenItems
    byProgramme { name items cost { amount } value { amount } } }
  budgetKpi(filter: $f) { currency years { year budget { amount } committed { amount }
    actual { amount } } }
  capacityKpi(filter: $f) { fromWeek toWeek roles { role people availableHours allocatedHours
    utilisationPercent } }
  topRisksKpi(filter: $f, first: 10) { openRisks risks { id itemId title owner
    inherent { score } residual { score band } } }
  benefitsKpi(filter: $f) { currency through items figuresHiddenItems
    months { month planned { amount } realised { amount } } }
}`;

const TOKEN_KEY = "pmo.dashboard.token";
const WIDTH = 300;
const LEGEND = { legend: { orient: "bottom" } };

function section(id) {
  return document.getElementById(id);
}

function note(id, text, state) {
  const found = section(id);
  found.querySelector(".note").textContent = text;
  found.dataset.state = state;
}

function table(element, headers, rows) {
  element.replaceChildren();
  const head = element.createTHead().insertRow();
  for (const text of headers) {
    const cell = document.createElement("th");
    cell.textContent = text;
    head.appendChild(cell);
  }
  const body = element.createTBody();
  for (const row of rows) {
    const line = body.insertRow();
    for (const value of row) line.insertCell().textContent = value ?? "–";
  }
}

async function chart(id, spec) {
  const element = document.getElementById(`chart-${id}`);
  element.replaceChildren();
  const sized = spec.hconcat ? spec : { width: WIDTH, height: 200, ...spec };
  await vegaEmbed(element, { config: LEGEND, ...sized }, {
    actions: false,
    renderer: "svg",
  });
}

const DRAW = {
  async pipeline(kpi) {
    await chart("pipeline", {
      data: { values: kpi.byState.map((s) => ({ state: s.state.toLowerCase(), count: s.count })) },
      mark: { type: "bar", color: "#3b6ea5" },
      encoding: {
        x: { field: "state", type: "nominal", sort: null, title: null },
        y: { field: "count", type: "quantitative", title: "Demands" },
      },
    });
    table(
      document.getElementById("table-lead-times"),
      ["Stage", "Demands", "Median (days)", "p90 (days)"],
      kpi.leadTimes.map((t) => [
        t.stage.toLowerCase().replaceAll("_", " "), t.demands, t.medianDays, t.p90Days,
      ]),
    );
    return `${kpi.total} demands.`;
  },
  async decisions(kpi) {
    await chart("decisions", {
      data: { values: kpi.byBodyAndOutcome },
      mark: "bar",
      encoding: {
        x: { field: "bodyName", type: "nominal", title: null },
        y: { field: "count", type: "quantitative", title: "Decisions" },
        color: { field: "outcome", type: "nominal" },
      },
    });
    return `${kpi.total} decisions.`;
  },
  async value(kpi) {
    // Cost and value side by side, each on its own scale (benefits are often far smaller).
    const values = kpi.byProgramme.map((g) => ({
      programme: g.name, cost: Number(g.cost.amount), value: Number(g.value.amount),
    }));
    const bars = (field, color, axis) => ({
      width: 130, height: 200, mark: { type: "bar", color },
      encoding: {
        y: { field: "programme", type: "nominal", sort: null, title: null, axis },
        x: { field, type: "quantitative", title: `${field} (${kpi.currency})` },
      },
    });
    await chart("value", {
      data: { values },
      hconcat: [bars("cost", "#3b6ea5", {}), bars("value", "#5b8f4e", null)],
    });
    const hidden = kpi.figuresHiddenItems ? ` (${kpi.figuresHiddenItems} without figures)` : "";
    return `${kpi.items} items in play${hidden}; value = planned monetary benefits.`;
  },
  async budget(kpi) {
    const values = kpi.years.flatMap((y) =>
      ["budget", "committed", "actual"]
        .filter((measure) => y[measure] !== null)
        .map((measure) => ({ year: String(y.year), measure, amount: Number(y[measure].amount) })),
    );
    await chart("budget", {
      data: { values },
      mark: "bar",
      encoding: {
        x: { field: "year", type: "ordinal", title: "Year" },
        xOffset: { field: "measure", sort: ["budget", "committed", "actual"] },
        y: { field: "amount", type: "quantitative", title: kpi.currency },
        color: { field: "measure", type: "nominal", title: null,
                 sort: ["budget", "committed", "actual"] },
      },
    });
    return `${kpi.years.length} years, in ${kpi.currency}.`;
  },
  async capacity(kpi) {
    const values = kpi.roles
      .filter((r) => r.utilisationPercent !== null)
      .map((r) => ({ role: r.role, utilisation: Number(r.utilisationPercent) }));
    await chart("capacity", {
      data: { values },
      layer: [
        { mark: { type: "bar", color: "#5b8f4e" },
          encoding: {
            y: { field: "role", type: "nominal", title: null },
            x: { field: "utilisation", type: "quantitative", title: "Allocated % of available" },
          } },
        { mark: { type: "rule", color: "#c0504d" }, data: { values: [{ full: 100 }] },
          encoding: { x: { field: "full", type: "quantitative" } } },
      ],
    });
    return `Weeks ${kpi.fromWeek} to ${kpi.toWeek}; ${kpi.roles.length} roles.`;
  },
  async benefits(kpi) {
    const values = kpi.months.flatMap((m) => [
      { month: m.month, series: "planned", amount: Number(m.planned.amount) },
      ...(m.realised ? [{ month: m.month, series: "realised", amount: Number(m.realised.amount) }]
        : []),
    ]);
    await chart("benefits", {
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "month", type: "ordinal", title: "Month" },
        y: { field: "amount", type: "quantitative", title: kpi.currency },
        color: { field: "series", type: "nominal", title: null },
      },
    });
    return `${kpi.items} items with monetary benefits, through ${kpi.through}.`;
  },
  async risks(kpi) {
    table(
      document.getElementById("table-risks"),
      ["Risk", "Item", "Title", "Owner", "Inherent", "Residual", "Band"],
      kpi.risks.map((r) => [
        r.id, r.itemId, r.title, r.owner, r.inherent.score, r.residual.score,
        r.residual.band.toLowerCase(),
      ]),
    );
    return `${kpi.openRisks} open risks; the worst ${kpi.risks.length} shown.`;
  },
};

const FIELDS = {
  pipeline: "demandPipelineKpi",
  decisions: "decisionsKpi",
  value: "portfolioValueKpi",
  budget: "budgetKpi",
  capacity: "capacityKpi",
  benefits: "benefitsKpi",
  risks: "topRisksKpi",
};

function filterOf(form) {
  const filter = {};
  for (const name of ["programme", "department", "period"]) {
    const value = form.elements[name].value.trim();
    if (value) filter[name] = value;
  }
  return Object.keys(filter).length ? filter : null;
}

async function show(form) {
  const token = form.elements.token.value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  document.body.dataset.state = "loading";
  const status = document.getElementById("status");
  status.textContent = "Loading…";
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY, variables: { f: filterOf(form) } }),
  });
  const body = await response.json();
  const errors = body.errors || [];
  const refused = {};
  for (const error of errors) refused[(error.path || [])[0]] = error;
  if (!body.data) {
    const first = errors[0] || { message: `HTTP ${response.status}`, extensions: {} };
    status.textContent = `${first.extensions?.code || "ERROR"}: ${first.message}`;
    document.body.dataset.state = "refused";
    return;
  }
  for (const [id, field] of Object.entries(FIELDS)) {
    const kpi = body.data[field];
    if (kpi === null || kpi === undefined) {
      const error = refused[field];
      note(id, error ? `${error.extensions?.code}: ${error.message}` : "Not available.", "refused");
      continue;
    }
    note(id, await DRAW[id](kpi), "rendered");
  }
  status.textContent = `Shown at ${new Date().toISOString()}.`;
  document.body.dataset.state = "rendered";
}

function start() {
  const form = document.getElementById("filters");
  const fromHash = new URLSearchParams(location.hash.slice(1));
  form.elements.token.value = fromHash.get("token") || sessionStorage.getItem(TOKEN_KEY) || "";
  for (const name of ["programme", "department", "period"]) {
    if (fromHash.get(name)) form.elements[name].value = fromHash.get(name);
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show(form).catch((error) => {
      document.getElementById("status").textContent = `Failed: ${error}`;
      document.body.dataset.state = "failed";
    });
  });
  if (form.elements.token.value) form.requestSubmit();
}

start();
