// DynamoDB items as the bridge's tables hold them and the JSON protocol carries them: string and
// number attributes only (a number travels as its text, over the SDK too). No table of the bridge
// has binary, list, map or set attributes; one that did would read as absent here. The type is the
// SDK's (a type import: nothing of the SDK is bundled), as the operations' inputs are (aws-caller.ts).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type { AttributeValue };

export type Item = Record<string, AttributeValue>;

export const s = (value: string): AttributeValue => ({ S: value });
export const n = (value: number): AttributeValue => ({ N: String(value) });
export const textOf = (item: Item | undefined, name: string): string | undefined => item?.[name]?.S;
export const numberOf = (item: Item | undefined, name: string): number | undefined => {
  const value = item?.[name]?.N;
  return value === undefined ? undefined : Number(value);
};

/** GetItem's answer; `Item` absent when there is none. */
export interface GetItemOutput {
  Item?: Item;
}

/** UpdateItem's answer with ReturnValues set. */
export interface UpdateItemOutput {
  Attributes?: Item;
}

/** One page of a Query or Scan; `LastEvaluatedKey` is where the next page starts. */
export interface ItemPage {
  Items?: Item[];
  LastEvaluatedKey?: Item;
}

/** The error DynamoDB answers when a write's ConditionExpression is false (over the SDK as well). */
export const isConditionalCheckFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';
