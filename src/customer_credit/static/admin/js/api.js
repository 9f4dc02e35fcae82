// The GraphQL API: queries with fetch, uploads (GraphQL multipart request spec),
// authenticated downloads, and subscriptions over graphql-transport-ws.
// The API key lives in sessionStorage only and goes out as `Authorization: Bearer <key>`; the
// page's language goes out as `Accept-Language`, so the service answers its messages in it.

import { getLang } from './i18n.js';

const KEY_STORAGE = 'customer-credit.key';
// The page is served at <base>/admin; the API lives beside it.
export const BASE = location.pathname.replace(/\/admin\/?$/, '');

/** HTTP 401: no key, or one the service does not accept. */
export class AuthError extends Error {}

/** A GraphQL top-level error (bad query, FORBIDDEN scope, limits) or a failed request. */
export class ApiError extends Error {
  constructor(message, code = null) {
    super(message);
    this.code = code;
  }
}

export const getKey = () => sessionStorage.getItem(KEY_STORAGE);
export const setKey = (key) => sessionStorage.setItem(KEY_STORAGE, key);
export const clearKey = () => sessionStorage.removeItem(KEY_STORAGE);

let unauthorizedHandler = () => {};
/** Called whenever the service answers 401: the page shows the sign-in again. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

async function send(path, init = {}, key = getKey()) {
  const headers = new Headers(init.headers);
  if (key) headers.set('Authorization', `Bearer ${key}`);
  headers.set('Accept-Language', getLang());
  let response;
  try {
    response = await fetch(/^https?:/.test(path) ? path : BASE + path, { ...init, headers, credentials: 'omit' });
  } catch (error) {
    throw new ApiError(error.message, 'NETWORK');
  }
  if (response.status === 401) {
    unauthorizedHandler();
    throw new AuthError('unauthorized');
  }
  return response;
}

async function graphqlResult(response) {
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`HTTP ${response.status}`, `HTTP_${response.status}`);
  }
  if (!response.ok && !body.data) throw new ApiError(body.message || `HTTP ${response.status}`, body.code || `HTTP_${response.status}`);
  if (body.errors?.length) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions?.code ?? null);
  }
  return body.data;
}

/** Run a query or mutation; resolves to `data`. */
export async function gql(query, variables = {}, key = undefined) {
  const response = await send('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ query, variables }),
  }, key === undefined ? getKey() : key);
  return graphqlResult(response);
}

/** A mutation with one file, per the GraphQL multipart request spec: `operations`, `map`,
 * then the file part. The preflight header is what the service asks of every multipart post. */
export async function gqlUpload(query, variables, fileVariable, file) {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { ...variables, [fileVariable]: null } }));
  form.append('map', JSON.stringify({ 0: [`variables.${fileVariable}`] }));
  form.append('0', file, file.name);
  const response = await send('/graphql', {
    method: 'POST',
    headers: { 'Apollo-Require-Preflight': 'true', Accept: 'application/json' },
    body: form,
  });
  return graphqlResult(response);
}

/** GET a file that needs the key, and save it through a Blob URL. */
export async function download(path, fallbackName) {
  const response = await send(path);
  if (!response.ok) throw new ApiError(`HTTP ${response.status}`, `HTTP_${response.status}`);
  const blob = await response.blob();
  const disposition = response.headers.get('Content-Disposition') || '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] || fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/** Subscribe over graphql-transport-ws. The key goes in `connection_init`'s payload (browsers
 * cannot set headers on a WebSocket). Calls onNext(data) per event, then onComplete(); calls
 * onFail() instead if the socket cannot be used, so the caller can poll. Returns a stop function. */
export function subscribe(query, variables, { onNext, onComplete, onFail }, { ackTimeoutMs = 5000 } = {}) {
  const url = new URL(`${BASE}/graphql`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let socket;
  let settled = false;
  const finish = (callback, ...args) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(1000);
    callback?.(...args);
  };
  const timer = setTimeout(() => finish(onFail, new Error('no connection_ack')), ackTimeoutMs);
  try {
    socket = new WebSocket(url, 'graphql-transport-ws');
  } catch (error) {
    finish(onFail, error);
    return () => finish();
  }
  const sendMessage = (message) => socket.send(JSON.stringify(message));
  socket.addEventListener('open', () => {
    sendMessage({ type: 'connection_init', payload: { Authorization: `Bearer ${getKey()}` } });
  });
  socket.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    switch (message.type) {
      case 'connection_ack':
        clearTimeout(timer);
        sendMessage({ id: '1', type: 'subscribe', payload: { query, variables } });
        break;
      case 'ping':
        sendMessage({ type: 'pong' });
        break;
      case 'next':
        if (message.payload?.errors?.length) finish(onFail, new ApiError(message.payload.errors[0].message));
        else onNext(message.payload.data);
        break;
      case 'error':
        finish(onFail, new ApiError(message.payload?.[0]?.message || 'subscription error'));
        break;
      case 'complete':
        finish(onComplete);
        break;
      default:
        break;
    }
  });
  socket.addEventListener('close', () => finish(onFail, new Error('socket closed')));
  socket.addEventListener('error', () => finish(onFail, new Error('socket error')));
  return () => finish();
}
