import type { Permission } from './permissions';

/** An app as the apps admin API shows it (`AppView`). */
export interface AppView {
  id: string;
  name: string;
  version: string;
  description?: string;
  status: string;
  reason?: string | null;
  enabled: boolean;
  manifest: {
    author?: { name?: string; email?: string } | string;
    implements?: string[];
    commands?: Array<{ command: string; description?: string }>;
    description?: string;
  };
  requestedPermissions: Permission[];
  grantedPermissions: Permission[] | null;
  requiredImports: string[];
  signature: { kind: string; keyId?: string; publisher?: string };
  pendingUpdate?: { version: string; permissions: Permission[]; requiredImports: string[] } | null;
  health?: { calls: number; faults: number; faultsInARow: number };
}
