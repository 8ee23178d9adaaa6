/**
 * Lists the environments whose data key was made before the index of environments existed
 * (project/item.ts): one Scan of the table for data keys, run once per stage after deploying.
 * A put per environment found, idempotent, so that it may be run again or alongside writes.
 */
import { PutCommand, paginateScan } from "@aws-sdk/lib-dynamodb";
import * as Dynamo from "../dynamo/index.ts";
import { dataKeySk } from "../secret/item.ts";
import { environmentKey } from "./item.ts";

export async function backfill() {
  let listed = 0;
  const pages = paginateScan(
    { client: Dynamo.client },
    {
      TableName: Dynamo.table(),
      FilterExpression: "sk = :sk",
      ExpressionAttributeValues: { ":sk": dataKeySk },
      ProjectionExpression: "pk, createdAt",
    },
  );
  for await (const page of pages)
    for (const item of page.Items ?? []) {
      // SECRETS#<org>#<project>#<environment>: none of the three holds a '#'.
      const [, orgId, projectId, environment] = String(item.pk).split("#");
      if (!orgId || !projectId || !environment) continue;
      await Dynamo.client.send(
        new PutCommand({
          TableName: Dynamo.table(),
          Item: {
            ...environmentKey(orgId, projectId, environment),
            type: "secret-environment",
            orgId,
            projectId,
            environment,
            createdAt: item.createdAt,
          },
        }),
      );
      listed++;
    }
  return listed;
}
