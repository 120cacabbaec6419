/**
 * The registry's scanning configuration (Put/GetRegistryScanningConfiguration) and what it makes of
 * each repository (BatchGetRepositoryScanningConfiguration, and whether a push is scanned). As on
 * AWS, a registry without one scans BASIC with no rules, and then a repository's own scanOnPush
 * decides; once the registry has rules, they decide: a repository a rule's WILDCARD filter matches
 * is scanned at that rule's frequency (CONTINUOUS_SCAN before SCAN_ON_PUSH), any other is MANUAL.
 * Scans themselves are the empty ones scans.ts describes (no vulnerability database offline).
 */
import type {
  BatchGetRepositoryScanningConfigurationRequest,
  BatchGetRepositoryScanningConfigurationResponse,
  GetRegistryScanningConfigurationRequest,
  GetRegistryScanningConfigurationResponse,
  PutRegistryScanningConfigurationRequest,
  PutRegistryScanningConfigurationResponse,
  RegistryScanningConfiguration,
  RegistryScanningRule,
  RepositoryScanningConfiguration,
  ScanFrequency,
  ScanningRepositoryFilter,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler } from '../../service-definition.ts';
import { wildcardMatcher } from '../wildcard.ts';
import { InvalidParameterException } from './errors.ts';
import type { EcrState, RepositoryRecord } from './state.ts';
import { repositoryNotFoundMessage } from './state.ts';

/** AWS's documented pairings: BASIC scans on push (or manually), ENHANCED on push or continuously. */
const FREQUENCIES: Record<string, readonly string[]> = {
  BASIC: ['SCAN_ON_PUSH', 'MANUAL'],
  ENHANCED: ['SCAN_ON_PUSH', 'CONTINUOUS_SCAN'],
};

function registryScanning(state: EcrState): RegistryScanningConfiguration {
  return state.registryScanning ?? { scanType: 'BASIC', rules: [] };
}

function checkRules(scanType: string, rules: readonly RegistryScanningRule[]): void {
  const seen = new Set<string>();
  for (const rule of rules) {
    const frequency = rule.scanFrequency!;
    if (!FREQUENCIES[scanType]!.includes(frequency)) {
      throw new InvalidParameterException(
        `Invalid parameter at 'scanFrequency' failed to satisfy constraint: 'scan frequency ${frequency} is not supported for scan type ${scanType} (${FREQUENCIES[scanType]!.join(' or ')})'`,
      );
    }
    if (seen.has(frequency)) {
      throw new InvalidParameterException(
        `Invalid parameter at 'rules' failed to satisfy constraint: 'only one rule per scan frequency (${frequency} is given twice)'`,
      );
    }
    seen.add(frequency);
  }
}

export const putRegistryScanningConfiguration: Handler<
  PutRegistryScanningConfigurationRequest,
  PutRegistryScanningConfigurationResponse,
  EcrState
> = (input, ctx) => {
  const scanType = input.scanType ?? 'BASIC';
  const rules = (input.rules ?? []).map((rule): RegistryScanningRule => ({
    scanFrequency: rule.scanFrequency,
    repositoryFilters: (rule.repositoryFilters ?? []).map((f) => ({
      filter: f.filter,
      filterType: f.filterType,
    })),
  }));
  checkRules(scanType, rules);
  ctx.state.registryScanning = { scanType, rules };
  return { registryScanningConfiguration: ctx.state.registryScanning };
};

export const getRegistryScanningConfiguration: Handler<
  GetRegistryScanningConfigurationRequest,
  GetRegistryScanningConfigurationResponse,
  EcrState
> = (_input, ctx) => ({ registryId: ctx.accountId, scanningConfiguration: registryScanning(ctx.state) });

/** The frequency a repository is scanned at, and the filters that put it there. */
function effectiveScanning(
  state: EcrState,
  repository: RepositoryRecord,
): { scanFrequency: ScanFrequency; appliedScanFilters: ScanningRepositoryFilter[] } {
  const rules = registryScanning(state).rules ?? [];
  if (rules.length === 0) {
    return { scanFrequency: repository.scanOnPush ? 'SCAN_ON_PUSH' : 'MANUAL', appliedScanFilters: [] };
  }
  for (const frequency of ['CONTINUOUS_SCAN', 'SCAN_ON_PUSH'] as const) {
    const applied = rules
      .filter((rule) => rule.scanFrequency === frequency)
      .flatMap((rule) => rule.repositoryFilters ?? [])
      .filter((f) => wildcardMatcher(f.filter!, { questionMark: false })(repository.name));
    if (applied.length > 0) return { scanFrequency: frequency, appliedScanFilters: applied };
  }
  return { scanFrequency: 'MANUAL', appliedScanFilters: [] };
}

/** Whether an image pushed now is scanned (continuous scanning scans new images at once too). */
export function scansOnPush(state: EcrState, repository: RepositoryRecord): boolean {
  return effectiveScanning(state, repository).scanFrequency !== 'MANUAL';
}

export const batchGetRepositoryScanningConfiguration: Handler<
  Checked<BatchGetRepositoryScanningConfigurationRequest, 'repositoryNames'>,
  BatchGetRepositoryScanningConfigurationResponse,
  EcrState
> = (input, ctx) => {
  const scanningConfigurations: RepositoryScanningConfiguration[] = [];
  const failures: BatchGetRepositoryScanningConfigurationResponse['failures'] = [];
  for (const name of new Set(input.repositoryNames)) {
    const repository = Object.hasOwn(ctx.state.repositories, name) ? ctx.state.repositories[name] : undefined;
    if (!repository) {
      failures.push({
        repositoryName: name,
        failureCode: 'REPOSITORY_NOT_FOUND',
        failureReason: repositoryNotFoundMessage(name, ctx.accountId),
      });
      continue;
    }
    const { scanFrequency, appliedScanFilters } = effectiveScanning(ctx.state, repository);
    scanningConfigurations.push({
      repositoryArn: repository.arn,
      repositoryName: repository.name,
      scanOnPush: scanFrequency !== 'MANUAL',
      scanFrequency,
      appliedScanFilters,
    });
  }
  return { scanningConfigurations, failures };
};
