/**
 * How credentials are stored: one document per device or staff token, the
 * secret itself never, only its SHA-256 (`keyHash`). A revoked credential
 * keeps its document (who had access, and until when).
 */
export interface DeviceDocument {
  _id: string;
  keyHash: string;
  schoolId: string;
  label: string;
  createdAt: Date;
  lastSeenAt: Date | null;
  revokedAt: Date | null;
}

export type StaffRole = 'school' | 'admin';

export interface StaffTokenDocument {
  _id: string;
  keyHash: string;
  role: StaffRole;
  /** The school a `school` token may read; null for `admin`. */
  schoolId: string | null;
  label: string;
  createdAt: Date;
  lastSeenAt: Date | null;
  revokedAt: Date | null;
}

export const DEVICES_COLLECTION = 'devices';
export const STAFF_TOKENS_COLLECTION = 'staff_tokens';
