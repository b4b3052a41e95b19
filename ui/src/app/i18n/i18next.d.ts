import 'i18next';

import type { Messages } from './en';

// Keys passed to `t` are checked against the English texts: a typo or a removed key fails `tsc`.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Messages };
  }
}
