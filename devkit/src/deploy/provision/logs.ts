import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { AnyResource, ProvisionContext } from './resource.ts';
import { defineResource } from './resource.ts';

export function logGroup(ctx: ProvisionContext): AnyResource {
  const { logs } = ctx.clients;
  const logGroupName = ctx.names.logGroup;
  const retentionInDays = ctx.stack.config.logs.retentionDays;
  const putRetention = async () => {
    await logs.send(new PutRetentionPolicyCommand({ logGroupName, retentionInDays }));
  };
  return defineResource({
    type: 'log group',
    name: logGroupName,
    async observe() {
      const { logGroups = [] } = await logs.send(
        new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }),
      );
      return logGroups.find((group) => group.logGroupName === logGroupName);
    },
    drift: (group) =>
      group.retentionInDays === retentionInDays
        ? []
        : [`retention ${group.retentionInDays ?? 'never expire'} → ${retentionInDays} days`],
    async create() {
      await logs.send(new CreateLogGroupCommand({ logGroupName, tags: ctx.tags }));
      await putRetention();
    },
    update: putRetention,
    async remove() {
      await logs.send(new DeleteLogGroupCommand({ logGroupName }));
    },
  });
}
