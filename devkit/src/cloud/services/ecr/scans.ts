/**
 * Image scanning, honestly: the local cloud has no vulnerability database, so a scan completes at
 * once with no findings and says so in its description.
 */
import type {
  DescribeImageScanFindingsRequest,
  DescribeImageScanFindingsResponse,
  StartImageScanRequest,
  StartImageScanResponse,
} from '@aws-sdk/client-ecr';
import type { Checked, Handler } from '../../service-definition.ts';
import { toDate } from '../common.ts';
import { ScanNotFoundException } from './errors.ts';
import type { EcrState } from './state.ts';
import { describeImageId, findRepository, requireImage } from './state.ts';

export const SCAN_DESCRIPTION =
  'The scan was completed successfully. The local cloud does not scan images for vulnerabilities: no findings are reported.';

export const startImageScan: Handler<
  Checked<StartImageScanRequest, 'repositoryName' | 'imageId'>,
  StartImageScanResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const image = requireImage(repository, input.imageId, ctx.accountId);
  image.scanCompletedMs = Date.now();
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    imageId: input.imageId,
    imageScanStatus: { status: 'COMPLETE', description: SCAN_DESCRIPTION },
  };
};

export const describeImageScanFindings: Handler<
  Checked<DescribeImageScanFindingsRequest, 'repositoryName' | 'imageId'>,
  DescribeImageScanFindingsResponse,
  EcrState
> = (input, ctx) => {
  const repository = findRepository(ctx.state, input.repositoryName, ctx.accountId);
  const image = requireImage(repository, input.imageId, ctx.accountId);
  if (image.scanCompletedMs === undefined) {
    throw new ScanNotFoundException(
      `Image scan does not exist for the image with '${describeImageId(input.imageId)}' in the repository with name '${repository.name}' in the registry with id '${ctx.accountId}'`,
    );
  }
  const completedAt = toDate(image.scanCompletedMs)!;
  return {
    registryId: ctx.accountId,
    repositoryName: repository.name,
    imageId: {
      imageDigest: image.digest,
      ...(input.imageId.imageTag ? { imageTag: input.imageId.imageTag } : {}),
    },
    imageScanStatus: { status: 'COMPLETE', description: SCAN_DESCRIPTION },
    imageScanFindings: {
      imageScanCompletedAt: completedAt,
      vulnerabilitySourceUpdatedAt: completedAt,
      findingSeverityCounts: {},
      findings: [],
    },
  };
};
