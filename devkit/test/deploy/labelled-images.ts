import type Docker from 'dockerode';

/**
 * Removes the images a test build left under its own label (the cached layers of its steps), so
 * builds with a label unique to the run do not pile up in the engine.
 */
export async function removeLabelledImages(docker: Docker, label: string): Promise<void> {
  // A layer with children cannot go before them; layers made in the same second sort arbitrarily,
  // so repeat while a pass removes something.
  for (let removed = true; removed;) {
    removed = false;
    for (const image of await docker.listImages({ all: true, filters: { label: [label] } })) {
      const gone = await docker
        .getImage(image.Id)
        .remove()
        .then(() => true)
        .catch(() => false);
      removed ||= gone;
    }
  }
}
