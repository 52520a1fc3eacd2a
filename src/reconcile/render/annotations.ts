// The annotation upstream puts on everything it creates: the app's display name.
import { PRETTY_NAME_ANNOTATION, type Labels } from '../labels.js';
import type { Resolved } from '../resolve.js';

export const appAnnotations = (resolved: Resolved): Labels =>
  resolved.app ? { [PRETTY_NAME_ANNOTATION]: resolved.app.spec.label.name } : {};
