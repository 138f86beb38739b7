/** The event the backend sends when it recovered a damaged conversation database at start. */
export const DATABASE_RECOVERED_EVENT = 'database_recovered';
