import { JailbuildError, type JailbuildErrorOptions } from '../errors.js';

/** An export, import or migration that failed or was refused; codes start with `E_EXPORT_`, `E_IMPORT_` or `E_MIGRATE_`. */
export class ExportError extends JailbuildError {
  override name = 'ExportError';
  constructor(code: string, message: string, options: JailbuildErrorOptions = {}) {
    super(code, message, options);
  }
}
