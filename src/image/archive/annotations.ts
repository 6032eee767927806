// The annotation that carries an image's full name in an OCI layout's index.json.
// It is containerd's; Docker 25+ writes it too, beside
// org.opencontainers.image.ref.name (which holds only the tag there).
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
