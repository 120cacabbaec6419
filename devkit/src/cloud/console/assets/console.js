// The console's few lines of browser code: draws the charts (echarts, served by the cloud) and
// swaps in the server-rendered sections each live update brings. Sections arrive escaped by the
// server; chart tooltips are escaped here (echarts puts them in the page as HTML).
'use strict';

const COLORS = {
  IN_PROGRESS: '#3b82f6',
  COMPLETED: '#16a34a',
  FAILED: '#dc2626',
  HEALTHY: '#16a34a',
  UNHEALTHY: '#dc2626',
  UNKNOWN: '#94a3b8',
  PENDING: '#fcd34d',
};
const MARKS = {
  started: { symbol: 'triangle', color: '#1d4ed8' },
  healthy: { symbol: 'circle', color: '#15803d' },
  unhealthy: { symbol: 'diamond', color: '#b91c1c' },
  stopped: { symbol: 'rect', color: '#334155' },
};
const EVENTS = {
  'circuit-breaker': { color: '#dc2626', label: 'circuit breaker' },
  rollback: { color: '#ea580c', label: 'rollback' },
  failed: { color: '#b91c1c', label: 'failed' },
  steady: { color: '#16a34a', label: 'steady' },
};

let timelineChart;
let timelineData;
const sparkCharts = [];

function escapeHtml(text) {
  return echarts.format.encodeHTML(String(text));
}

function drawTimeline(data) {
  timelineData = data;
  const element = document.getElementById('timeline');
  if (!timelineChart) timelineChart = echarts.init(element, null, { renderer: 'svg' });
  const now = Date.now();
  const rows = data.rows.length;
  element.style.height = `${Math.max(160, 60 + rows * 26)}px`;
  timelineChart.resize();
  const spans = data.spans.map((s) => ({
    value: [s.row, s.start, s.end ?? now],
    detail: s.detail,
    kind: s.kind,
    itemStyle: { color: COLORS[s.state] ?? '#64748b', opacity: s.kind === 'pending' ? 0.7 : 1 },
  }));
  const marks = Object.entries(MARKS).map(([kind, style]) => ({
    name: kind,
    type: 'scatter',
    symbol: style.symbol,
    symbolSize: 9,
    itemStyle: { color: style.color },
    data: data.marks.filter((m) => m.kind === kind).map((m) => ({ value: [m.t, m.row], detail: m.detail })),
  }));
  timelineChart.setOption(
    {
      animation: false,
      useUTC: true,
      grid: { left: 240, right: 30, top: 30, bottom: 30 },
      tooltip: {
        formatter: (p) => escapeHtml(p.data?.detail ?? p.data?.message ?? p.name ?? ''),
      },
      legend: { data: Object.keys(MARKS), top: 0 },
      xAxis: { type: 'time', min: 'dataMin', max: () => Math.max(now, ...data.spans.map((s) => s.start)) },
      yAxis: {
        type: 'category',
        data: data.rows,
        inverse: true,
        axisLabel: { width: 230, overflow: 'truncate' },
      },
      series: [
        {
          name: 'spans',
          type: 'custom',
          encode: { x: [1, 2], y: 0 },
          renderItem: (params, api) => {
            const start = api.coord([api.value(1), api.value(0)]);
            const end = api.coord([api.value(2), api.value(0)]);
            // Deployments as full bars, a task's pending and running spans a little thinner.
            const height = api.size([0, 1])[1] * (spans[params.dataIndex].kind === 'deployment' ? 0.6 : 0.45);
            const shape = echarts.graphic.clipRectByRect(
              { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height },
              params.coordSys,
            );
            return shape && { type: 'rect', shape, style: api.style() };
          },
          data: spans,
        },
        ...marks,
        {
          name: 'events',
          type: 'scatter',
          data: [],
          markLine: {
            symbol: 'none',
            label: { formatter: (p) => EVENTS[p.data.kind].label, position: 'insideEndTop' },
            data: data.events
              .filter((e) => e.kind !== 'steady')
              .map((e) => ({
                xAxis: e.t,
                kind: e.kind,
                message: e.message,
                lineStyle: { color: EVENTS[e.kind].color, type: 'dashed', width: 2 },
              })),
          },
        },
      ],
    },
    true,
  );
}

function drawSparklines(sparklines) {
  for (const chart of sparkCharts.splice(0)) chart.dispose();
  for (const element of document.querySelectorAll('[data-spark]')) {
    const series = sparklines[element.dataset.spark];
    if (!series) continue;
    const chart = echarts.init(element, null, { renderer: 'svg', width: 90, height: 22 });
    chart.setOption({
      animation: false,
      grid: { left: 1, right: 1, top: 2, bottom: 2 },
      xAxis: { type: 'time', show: false },
      yAxis: { type: 'value', show: false, min: 0 },
      series: [
        {
          type: 'line',
          data: series,
          showSymbol: false,
          lineStyle: { width: 1.5 },
          areaStyle: { opacity: 0.2 },
        },
      ],
    });
    sparkCharts.push(chart);
  }
}

function apply(view) {
  for (const [id, markup] of Object.entries(view.sections)) {
    const element = document.getElementById(id);
    if (element) element.innerHTML = markup;
  }
  drawTimeline(view.charts.timeline);
  drawSparklines(view.charts.sparklines);
}

function connect() {
  const live = document.getElementById('live');
  const source = new EventSource(`stream${location.search}`);
  source.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  source.addEventListener('view', (event) => {
    apply(JSON.parse(event.data));
    live.textContent = `live · updated ${new Date().toISOString().slice(11, 19)} UTC`;
  });
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
}

document.addEventListener('DOMContentLoaded', () => {
  const charts = JSON.parse(document.getElementById('console-data').textContent);
  drawTimeline(charts.timeline);
  drawSparklines(charts.sparklines);
  // Open spans run to now: the picture moves on between updates.
  window.setInterval(() => timelineData && drawTimeline(timelineData), 5000);
  window.addEventListener('resize', () => timelineChart.resize());
  connect();
});
