import { FAULT_KINDS } from './faults';
import { chaosPassed, type ChaosReport } from './run-chaos';

/** The run as a table: faults injected, calls by outcome, events spooled and replayed, and the audit's verdict. */
export function formatChaosReport(report: ChaosReport): string {
  const lines: string[] = [];
  const row = (label: string, value: string | number) => lines.push(`| ${label} | ${value} |`);
  const calls = Object.values(report.outcomes).reduce((sum, count) => sum + count, 0);
  lines.push(`## Chaos run: ${calls} calls, seed ${report.options.seed}, ${(report.durationMs / 1000).toFixed(0)} s`, '');
  lines.push('| faults injected | count (started at, took) |', '|---|---|');
  for (const kind of FAULT_KINDS) {
    const ofKind = report.faults.filter((fault) => fault.kind === kind);
    row(kind, `${ofKind.length} (${ofKind.map((fault) => `${(fault.startedMs / 1000).toFixed(1)} s, ${(fault.tookMs / 1000).toFixed(1)} s`).join('; ')})`);
  }
  lines.push('', '| calls by outcome | count |', '|---|---|');
  for (const [kind, count] of Object.entries(report.outcomes)) row(kind, count);
  for (const [detail, count] of Object.entries(report.details).sort((a, b) => b[1] - a[1])) if (detail !== 'ok') row(`  ${detail}`, count);
  lines.push('', '| system | count |', '|---|---|');
  row('provider requests (by the mode it was in)', Object.entries(report.upstreamRequests).map(([mode, count]) => `${mode} ${count}`).join(', '));
  row('events spooled to disk (Redis away)', report.spooled);
  row('events replayed from spools', report.replayed);
  row('worker / gateway process starts', `${report.workerStarts} / ${report.replicaStarts}`);
  const startFailures = report.unplannedExits.filter((exit) => !exit.wasServing).length;
  row('exits while starting (a dependency away; restarted)', startFailures);
  row('crashes while serving', report.unplannedExits.length - startFailures);
  row('usage rows in the ledger', report.audit.rows);
  row('failed calls billed (provider reached)', report.audit.billedFailures);
  row('queue drained', report.drained ? 'yes' : `no (${report.pending} jobs pending)`);
  row('dead letters', report.deadLetters);
  row('tollgate reconcile', report.reconcile.code === 0 ? 'passed' : `FAILED (exit ${report.reconcile.code})`);
  const count = (problem: string) => report.audit.findings.filter((finding) => finding.problem === problem).length;
  row('**lost**', count('lost'));
  row('**doubled**', count('doubled') + count('unknown row'));
  row('cost differs from what the client was told', count('cost differs'));
  row('charged without reaching a provider', count('charged without a provider'));
  row('hung calls', report.outcomes.hung);
  row('log lines that are not JSON', report.unstructuredLogLines.length);
  lines.push('', chaosPassed(report) ? 'PASSED: nothing lost, nothing doubled.' : 'FAILED');
  for (const finding of report.audit.findings.slice(0, 20)) lines.push(`  ${finding.problem}: ${finding.callId}: ${finding.detail}`);
  if (report.reconcile.code !== 0) lines.push(report.reconcile.output);
  for (const exit of report.unplannedExits.slice(0, 10)) lines.push(`  ${exit.name} exited (${exit.code ?? exit.signal}) ${exit.wasServing ? 'while serving' : 'while starting'}: ${exit.lastLines.trim().slice(-300)}`);
  for (const call of report.hung.slice(0, 10)) lines.push(`  hung: ${call}`);
  for (const line of report.unstructuredLogLines.slice(0, 10)) lines.push(`  not JSON: ${line.slice(0, 200)}`);
  return lines.join('\n');
}
