import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { Resource } from "../resource/index.ts";

export namespace Dynamo {
  const raw = new DynamoDBClient({});
  export const client = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true },
  });

  export const table = () => Resource.Table.name;

  export const ping = () => raw.send(new DescribeTableCommand({ TableName: table() }));
}
