export { repoRoot } from '../../scripts/repo-root.js';
