/**
 * The console as server-rendered HTML: the page, and the sections a live update swaps in. Every
 * value goes through the `html` template (escaped); the charts' data travels as JSON and is drawn
 * in the browser by echarts. (Prettier leaves these templates as written: whitespace in <pre> matters.)
 */
import { Html, html, scriptJson } from './html.ts';
import type { ConsoleModel, ConsoleQuery, Series, ServiceView, TaskView } from './read-model.ts';
import type { TimelineData } from './timeline.ts';
import { timelineOf } from './timeline.ts';

export const CONSOLE_PATH = '/_devkit/';

/** The parts of the page a live update replaces, by element id. */
export type SectionId =
  'regions' | 'services' | 'tasks' | 'events' | 'log-groups' | 'log-lines' | 'repositories' | 'secrets';

export interface ConsoleView {
  sections: Record<SectionId, string>;
  charts: { timeline: TimelineData; sparklines: Record<string, Series> };
}

export function viewOf(model: ConsoleModel): ConsoleView {
  const sparklines: Record<string, Series> = {};
  for (const s of model.services) {
    if (s.cpu) sparklines[serviceSpark(s, 'cpu')] = s.cpu;
    if (s.memory) sparklines[serviceSpark(s, 'memory')] = s.memory;
    for (const t of s.tasks) {
      if (t.cpu) sparklines[taskSpark(t, 'cpu')] = t.cpu;
      if (t.memory) sparklines[taskSpark(t, 'memory')] = t.memory;
    }
  }
  const sections: Record<SectionId, Html> = {
    regions: regionsSection(model),
    services: servicesSection(model),
    tasks: tasksSection(model.services),
    events: eventsSection(model.services),
    'log-groups': logGroupsSection(model),
    'log-lines': logLinesSection(model),
    repositories: repositoriesSection(model),
    secrets: secretsSection(model),
  };
  return {
    sections: Object.fromEntries(Object.entries(sections).map(([id, h]) => [id, h.text])) as Record<
      SectionId,
      string
    >,
    charts: { timeline: timelineOf(model.services), sparklines },
  };
}

export function pageOf(model: ConsoleModel, view: ConsoleView): string {
  // The sections are this module's own markup (viewOf), kept as text to travel in live updates.
  const section = (id: SectionId) => html`<div id="${id}">${new Html(view.sections[id])}</div>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>devkit console · ${model.region}</title>
<link rel="stylesheet" href="${CONSOLE_PATH}assets/console.css">
<script src="${CONSOLE_PATH}assets/echarts.min.js" defer></script>
<script src="${CONSOLE_PATH}assets/console.js" defer></script>
</head>
<body>
<header>
  <h1>devkit local cloud</h1>
  <span id="live" class="live">connecting…</span>
  ${section('regions')}
</header>
<main>
  <section><h2>Clusters and services</h2>${section('services')}</section>
  <section><h2>Rollout timeline</h2><div id="timeline" class="chart"></div></section>
  <section><h2>Tasks</h2>${section('tasks')}</section>
  <section><h2>Service events</h2>${section('events')}</section>
  <section>
    <h2>Logs</h2>
    ${section('log-groups')}
    <form id="log-filter" method="get" action="${CONSOLE_PATH}">
      <input type="hidden" name="region" value="${model.region}">
      <input type="hidden" name="group" value="${model.logs.group ?? ''}">
      <label>Filter pattern <input name="filter" value="${model.logs.filter}" size="50" placeholder='ERROR ?WARN { $.level = "error" } %regex%'></label>
      <button type="submit">Filter</button>
    </form>
    ${section('log-lines')}
  </section>
  <section><h2>ECR repositories</h2>${section('repositories')}</section>
  <section><h2>Secrets (names only)</h2>${section('secrets')}</section>
</main>
<script type="application/json" id="console-data">${scriptJson(view.charts)}</script>
</body>
</html>
`.text;
}

/** Links keep the other choices of the query. */
function link(model: ConsoleModel, change: ConsoleQuery): string {
  const query = {
    region: model.region,
    group: model.logs.group,
    filter: model.logs.filter,
    ...(change.region !== undefined ? { region: change.region, group: undefined } : {}),
    ...(change.logGroup !== undefined ? { group: change.logGroup } : {}),
  };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  return `${CONSOLE_PATH}?${params}`;
}

function time(t: number | undefined): Html {
  if (t === undefined) return html``;
  const iso = new Date(t).toISOString();
  return html`<time datetime="${iso}">${iso.slice(11, 19)}</time>`;
}

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} KB`;
}

function badge(text: string): Html {
  return html`<span class="badge ${text.toLowerCase().replace(/[^a-z_]/g, '')}">${text}</span>`;
}

function empty(what: string): Html {
  return html`<p class="empty">${what}</p>`;
}

const serviceSpark = (s: ServiceView, kind: string) => `service/${s.cluster}/${s.name}/${kind}`;
const taskSpark = (t: TaskView, kind: string) => `task/${t.id}/${kind}`;

function spark(key: string, series: Series | undefined): Html {
  if (!series) return html`<span class="none">—</span>`;
  const last = series.at(-1)![1];
  return html`<span class="spark" data-spark="${key}"></span><span class="last">${last.toFixed(1)}</span>`;
}

function regionsSection(model: ConsoleModel): Html {
  const regions = model.regions.includes(model.region) ? model.regions : [model.region, ...model.regions];
  return html`<nav>Region: ${regions.map((r) =>
    r === model.region
      ? html`<strong>${r}</strong> `
      : html`<a href="${link(model, { region: r })}">${r}</a> `,
  )} · clusters: ${model.clusters.length === 0 ? 'none' : model.clusters.join(', ')} · times in UTC</nav>`;
}

function servicesSection(model: ConsoleModel): Html {
  if (model.services.length === 0) return empty('No ECS services in this region yet.');
  return html`${model.services.map(
    (s) => html`<div class="service" data-service="${s.name}">
  <h3>${s.cluster} / ${s.name} ${badge(s.status)}</h3>
  <p class="counts">desired <b>${s.desired}</b> · running <b>${s.running}</b> · pending <b>${s.pending}</b>
  ${s.url ? html` · <a href="${s.url}">${s.url}</a>` : ''}
  · CPU ${spark(serviceSpark(s, 'cpu'), s.cpu)} · memory ${spark(serviceSpark(s, 'memory'), s.memory)}</p>
  <table class="deployments">
    <thead><tr><th>Deployment</th><th>Status</th><th>Rollout</th><th>Revision</th><th>Desired</th><th>Running</th><th>Pending</th><th>Failed</th><th>Created</th><th>Updated</th><th>Reason</th></tr></thead>
    <tbody>${s.deployments.map(
      (d) =>
        html`<tr data-deployment="${d.id}"><td>${d.id}</td><td>${badge(d.status)}</td><td>${badge(d.rolloutState)}</td><td>${d.revision}</td><td>${d.desired}</td><td>${d.running}</td><td>${d.pending}</td><td>${d.failed}</td><td>${time(d.createdAt)}</td><td>${time(d.updatedAt)}</td><td class="reason">${d.rolloutStateReason}</td></tr>`,
    )}</tbody>
  </table>
</div>`,
  )}`;
}

function tasksSection(services: readonly ServiceView[]): Html {
  const rows = services.flatMap((s) => s.tasks.map((t) => ({ s, t })));
  if (rows.length === 0) return empty('No tasks.');
  return html`<table class="tasks">
  <thead><tr><th>Task</th><th>Service</th><th>Revision</th><th>Deployment</th><th>Status</th><th>Desired</th><th>Health</th><th>Target</th><th>Started</th><th>Stopped</th><th>Stopped reason</th><th>CPU</th><th>Memory</th></tr></thead>
  <tbody>${rows.map(
    ({ s, t }) =>
      html`<tr data-task="${t.id}" data-status="${t.lastStatus}"><td class="id">${t.id.slice(0, 12)}</td><td>${s.name}</td><td>${t.revision}</td><td>${t.deploymentId}</td><td>${badge(t.lastStatus)}</td><td>${t.desiredStatus}</td><td>${badge(t.health)}</td><td class="reason" title="${t.target?.description ?? ''}">${t.target ? badge(t.target.state) : '—'}${t.target?.reason ? ` ${t.target.reason}` : ''}</td><td>${time(t.startedAt)}</td><td>${time(t.stoppedAt)}</td><td class="reason">${t.stopCode ? `${t.stopCode}: ` : ''}${t.stoppedReason ?? ''}</td><td>${spark(taskSpark(t, 'cpu'), t.cpu)}</td><td>${spark(taskSpark(t, 'memory'), t.memory)}</td></tr>`,
  )}</tbody>
</table>`;
}

function eventsSection(services: readonly ServiceView[]): Html {
  const events = services
    .flatMap((s) => s.events.map((e) => ({ service: s.name, ...e })))
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, 50);
  if (events.length === 0) return empty('No service events.');
  return html`<ol class="events">${events.map(
    (e) => html`<li>${time(e.createdAt)} <span class="message">${e.message}</span></li>`,
  )}</ol>`;
}

function logGroupsSection(model: ConsoleModel): Html {
  if (model.logs.groups.length === 0) return empty('No log groups in this region.');
  return html`<nav class="groups">Log group: ${model.logs.groups.map((g) =>
    g === model.logs.group
      ? html`<strong>${g}</strong> `
      : html`<a href="${link(model, { logGroup: g })}">${g}</a> `,
  )}</nav>`;
}

function logLinesSection(model: ConsoleModel): Html {
  const { logs } = model;
  if (logs.error) return html`<p class="error">${logs.error}</p>`;
  if (logs.group === undefined) return html``;
  if (logs.lines.length === 0) {
    return empty(logs.filter ? 'No events match in the last hour.' : 'No events in the last hour.');
  }
  return html`<pre class="log">${logs.lines.map(
    (l) => html`<span class="line">${time(l.timestamp)} <span class="stream">${l.stream}</span> ${l.message}
</span>`,
  )}</pre>`;
}

function repositoriesSection(model: ConsoleModel): Html {
  if (model.repositories.length === 0) return empty('No repositories.');
  return html`${model.repositories.map(
    (r) => html`<div class="repository" data-repository="${r.name}">
  <h3>${r.name}</h3>
  <p class="counts">${r.uri} · tags ${r.tagMutability} · scan on push ${r.scanOnPush ? 'on' : 'off'}</p>
  ${
    r.images.length === 0
      ? empty('No images.')
      : html`<table><thead><tr><th>Tags</th><th>Digest</th><th>Size</th><th>Pushed</th><th>Scan</th></tr></thead>
    <tbody>${r.images.map(
      (i) =>
        html`<tr><td>${i.tags.length ? i.tags.join(', ') : '<untagged>'}</td><td class="id" title="${i.digest}">${i.digest.slice(0, 19)}…</td><td>${bytes(i.sizeBytes)}</td><td>${time(i.pushedAt)}</td><td>${i.scanStatus}</td></tr>`,
    )}</tbody></table>`
  }
</div>`,
  )}`;
}

function secretsSection(model: ConsoleModel): Html {
  if (model.secrets.length === 0) return empty('No secrets.');
  return html`<table class="secrets"><thead><tr><th>Name</th><th>Created</th><th>Last changed</th><th>Deletion</th></tr></thead>
  <tbody>${model.secrets.map(
    (s) =>
      html`<tr><td>${s.name}</td><td>${time(s.createdAt)}</td><td>${time(s.lastChangedAt)}</td><td>${s.deletionAt ? html`scheduled ${time(s.deletionAt)}` : ''}</td></tr>`,
  )}</tbody></table>`;
}
