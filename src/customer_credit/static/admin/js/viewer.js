// What the signed-in key may do, from `viewer { name scopes }` (any valid key; an admin key lists
// every scope). The page shows only the controls the key can use: the API refuses the rest anyway.

import { gql } from './api.js';

const VIEWER = 'query Viewer { viewer { name scopes } }';

let viewer = null; // { name, scopes: Set } once known
let loading = null;

/** Ask the service who the key is; `key` is the one being signed in with (the stored one otherwise).
 * Rejects with the API's error, an AuthError for a key the service does not accept. */
export async function loadViewer(key = undefined) {
  const data = await gql(VIEWER, {}, key);
  viewer = { name: data.viewer.name, scopes: new Set(data.viewer.scopes) };
  return viewer;
}

/** The stored key's viewer, asked once. */
export function ensureViewer() {
  if (viewer) return Promise.resolve(viewer);
  if (!loading) loading = loadViewer().finally(() => { loading = null; });
  return loading;
}

export function forgetViewer() {
  viewer = null;
}

/** Whether the key has `scope`. Unknown (the question failed): yes, and the API decides. */
export function can(scope) {
  return viewer === null || viewer.scopes.has(scope);
}

/** Hide every control marked data-requires="scope" that the key lacks the scope for. */
export function applyPermissions(root = document) {
  for (const el of root.querySelectorAll('[data-requires]')) el.hidden = !can(el.dataset.requires);
}

/** Where to land: the first section the key may read. */
export function homeHash() {
  if (can('accounts:read')) return '#/accounts';
  if (can('imports:read')) return '#/imports';
  if (can('imports:write')) return '#/import';
  return '#/accounts';
}
