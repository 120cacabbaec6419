/**
 * The leak scan of the run's images, in one `docker save`: begun as soon as the last release is
 * pushed, so it overlaps that release's rollout (mostly waiting) instead of adding to the wall time.
 */
import type Docker from 'dockerode';
import type { SecretScanner } from './leak-scan.ts';

export class ImageScan {
  private readonly docker: Docker;
  private readonly scanner: SecretScanner;
  private readonly images: () => string[];
  private running: Promise<Error | undefined> | undefined;

  constructor(docker: Docker, scanner: SecretScanner, images: () => string[]) {
    this.docker = docker;
    this.scanner = scanner;
    this.images = images;
  }

  /** Starts the scan of the images there are now. */
  begin(): void {
    this.running = this.scan();
  }

  /** The scan's failure, if any; runs it now when it was never begun. */
  result(): Promise<Error | undefined> {
    return this.running ?? this.scan();
  }

  private scan(): Promise<Error | undefined> {
    return existing(this.docker, this.images())
      .then((images) => (images.length > 0 ? this.scanner.images(this.docker, images) : undefined))
      .then(
        () => undefined,
        (error: Error) => error,
      );
  }
}

/** The references that name an image here (a failed build leaves none). */
async function existing(docker: Docker, references: string[]): Promise<string[]> {
  const present = await Promise.all(
    references.map((reference) =>
      docker
        .getImage(reference)
        .inspect()
        .then(
          () => true,
          () => false,
        ),
    ),
  );
  return references.filter((_, i) => present[i]);
}
