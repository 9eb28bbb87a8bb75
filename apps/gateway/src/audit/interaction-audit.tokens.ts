/** Where gateway processes keep their journals of open interactions (DATA_DIR/audit/open). */
export const INTERACTION_JOURNAL_DIR = Symbol('INTERACTION_JOURNAL_DIR');
