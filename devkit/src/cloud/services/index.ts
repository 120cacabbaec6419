import type { AnyServiceDefinition } from '../service-definition.ts';
import { cloudwatch } from './cloudwatch/index.ts';
import { ec2 } from './ec2/index.ts';
import { ecr } from './ecr/index.ts';
import { ecs } from './ecs/index.ts';
import { elbv2 } from './elbv2/index.ts';
import { iam } from './iam/index.ts';
import { logs } from './logs/index.ts';
import { secretsmanager } from './secretsmanager/index.ts';
import { sts } from './sts/index.ts';

/** Every service the local cloud serves; each lives in its own folder and never imports another. */
export const allServices: AnyServiceDefinition[] = [
  sts,
  iam,
  ec2,
  ecs,
  ecr,
  logs,
  secretsmanager,
  cloudwatch,
  elbv2,
];
