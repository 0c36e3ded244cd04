// The delivery-state table's layout, shared by the CDK stack that creates it and the worker that
// reads and writes it: partition and sort key names, the TTL attribute, and the env variable.
export const STATE_PARTITION_KEY = 'pk';
export const STATE_SORT_KEY = 'sk';
export const STATE_EXPIRY_ATTRIBUTE = 'expiresAt';
export const DELIVERY_STATE_TABLE_ENV = 'DELIVERY_STATE_TABLE';
