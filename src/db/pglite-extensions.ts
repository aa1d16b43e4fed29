import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * The PostgreSQL extensions the migrations create, which an embedded database must have loaded
 * before it runs them: pg_trgm (trigram similarity for knowledge search). Every PGlite this
 * project opens takes this as its `extensions` option.
 */
export const PGLITE_EXTENSIONS = { pg_trgm };
