// Limits every object from a real API server respects (k8s.io/apimachinery's validation of names,
// labels, annotations and its JSON decoder's nesting limit). A request beyond them did not come from
// Metacontroller, and answering it could cost memory out of all proportion: a parent's name is
// copied into every child.
import { Kind, Type, TypeRegistry } from '@sinclair/typebox';
import { DefaultErrorFunction, SetErrorFunction, ValueErrorType } from '@sinclair/typebox/errors';
import { DNS_LABEL_PATTERN } from './schema.js';

export const DNS_LABEL_MAX = 63;
export const DNS_SUBDOMAIN_MAX = 253;
export const LABEL_VALUE_MAX = 63;
/** Sum of the byte lengths of all annotation keys and values of one object. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;
/** Nested objects and arrays the API server's JSON decoder accepts in one object. */
export const OBJECT_MAX_DEPTH = 10000;
/** Levels a hook request adds above an object: request, `children`, type, `namespace/name`. */
export const REQUEST_MAX_DEPTH = OBJECT_MAX_DEPTH + 3;

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const SUBDOMAIN = `${LABEL}(\\.${LABEL})*`;
const ANY_CASE_LABEL = '[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?';
const ANY_CASE_SUBDOMAIN = `${ANY_CASE_LABEL}(\\.${ANY_CASE_LABEL})*`;
/** The name part of a qualified name: at most 63 characters. */
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]';
/** The optional prefix of a qualified name is at most 253 characters before its slash. */
const PREFIX_MAX = `(?![^/]{${DNS_SUBDOMAIN_MAX + 1}})`;

export const DNS_SUBDOMAIN_PATTERN = `^${SUBDOMAIN}$`;
export const LABEL_KEY_PATTERN = `^${PREFIX_MAX}(${SUBDOMAIN}/)?${QUALIFIED_NAME}$`;
/** Annotation keys are label keys compared in lower case. */
export const ANNOTATION_KEY_PATTERN = `^${PREFIX_MAX}(${ANY_CASE_SUBDOMAIN}/)?${QUALIFIED_NAME}$`;
export const LABEL_VALUE_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
/** Names that are only path segments (RBAC objects): not `.` or `..`, no `/` or `%`. */
export const PATH_SEGMENT_PATTERN = '^(?!\\.\\.?$)[^/%]+$';

/** Schema options read by the error function below: the message a client sees. */
interface Messages {
  errorMessage?: string;
  keyErrorMessage?: string;
}

// Validation errors name the limit that was broken rather than the regular expression.
SetErrorFunction((error) => {
  const { errorMessage, keyErrorMessage } = error.schema as Messages;
  if (keyErrorMessage && error.errorType === ValueErrorType.ObjectAdditionalProperties) return keyErrorMessage;
  if (errorMessage && error.errorType !== ValueErrorType.ObjectRequiredProperty) return errorMessage;
  return DefaultErrorFunction(error);
});

const bounded = (pattern: string, maxLength: number, errorMessage: string) =>
  Type.String({ minLength: 1, maxLength, pattern, errorMessage });

/** Most objects' names: a DNS-1123 subdomain. */
export const ObjectName = bounded(DNS_SUBDOMAIN_PATTERN, DNS_SUBDOMAIN_MAX, 'must be a DNS-1123 subdomain of at most 253 characters');
/** Names of RBAC objects, which the API server checks only as path segments. */
export const PathSegmentName = bounded(
  PATH_SEGMENT_PATTERN,
  DNS_SUBDOMAIN_MAX,
  'must be a path segment (no "/" or "%") of at most 253 characters',
);
export const NamespaceName = bounded(DNS_LABEL_PATTERN, DNS_LABEL_MAX, 'must be a DNS-1123 label of at most 63 characters');

export const Labels = Type.Record(
  Type.String({ pattern: LABEL_KEY_PATTERN }),
  Type.String({
    maxLength: LABEL_VALUE_MAX,
    pattern: LABEL_VALUE_PATTERN,
    errorMessage: 'label value must be empty or a qualified name of at most 63 characters',
  }),
  {
    additionalProperties: false,
    errorMessage: 'must be a map of label keys to label values',
    keyErrorMessage: 'label key must be a qualified name of at most 63 characters with an optional DNS-1123 subdomain prefix and "/"',
  },
);

TypeRegistry.Set('AnnotationsSize', (_schema, value) => annotationsBytes(value) <= ANNOTATIONS_MAX_BYTES);

export const Annotations = Type.Intersect([
  Type.Record(Type.String({ pattern: ANNOTATION_KEY_PATTERN }), Type.String(), {
    additionalProperties: false,
    keyErrorMessage: 'annotation key must be a qualified name of at most 63 characters with an optional DNS-1123 subdomain prefix and "/"',
  }),
  Type.Unsafe<Record<string, string>>({
    [Kind]: 'AnnotationsSize',
    errorMessage: `annotations must total at most ${ANNOTATIONS_MAX_BYTES} bytes`,
  }),
]);

/** The size the API server counts: UTF-8 bytes of every key and value. */
function annotationsBytes(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let total = 0;
  for (const [key, entry] of Object.entries(value)) {
    total += Buffer.byteLength(key) + (typeof entry === 'string' ? Buffer.byteLength(entry) : 0);
    if (total > ANNOTATIONS_MAX_BYTES) break;
  }
  return total;
}

/**
 * Whether a JSON text nests objects and arrays deeper than max. Scans the text once, jumping
 * over strings, so that the check costs less than parsing; malformed text is left to the parser.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = closingQuote(text, i);
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function closingQuote(text: string, opening: number): number {
  let i = opening;
  for (;;) {
    i = text.indexOf('"', i + 1);
    if (i < 0) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
}
