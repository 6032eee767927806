// The words of `network prune`: Docker's question before it, and the report after
// it (`Deleted Networks:`, the names, a blank line; nothing when none went).

export const NETWORK_PRUNE_WARNING =
  'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';

/** The answer of `POST /networks/prune`. */
export interface NetworkPruneReport {
  NetworksDeleted: string[] | null;
}

export function deletedNetworksText(report: NetworkPruneReport): string {
  const names = report.NetworksDeleted ?? [];
  if (!names.length) return '';
  return `Deleted Networks:\n${names.map((n) => `${n}\n`).join('')}\n`;
}
