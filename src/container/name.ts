// Docker's container names and ids: moby daemon/names.go (validation, reservation conflicts, generated
// names), pkg/namesgenerator (adjective_surname) and pkg/stringid (random ids).

import { randomBytes, randomInt } from 'node:crypto';
import { BerthError, invalidParameter } from '../common/errors.js';

/**
 * moby's names.RestrictedNameChars; the pattern is `^` + this + `+$` (so at least two characters),
 * matched against the name without one leading `/`.
 */
export const VALID_CONTAINER_NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]';
const VALID_CONTAINER_NAME = new RegExp(`^${VALID_CONTAINER_NAME_CHARS}+$`);

/**
 * Checks a user-given name and returns it in stored form, with the leading `/` (moby's reserveName).
 * Error (InvalidParameter), quoting the name as given:
 * `Invalid container name (x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`.
 */
export function validateName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!VALID_CONTAINER_NAME.test(bare)) {
    throw invalidParameter(`Invalid container name (${name}), only ${VALID_CONTAINER_NAME_CHARS} are allowed`);
  }
  return '/' + bare;
}

/** moby's nameConflictError (Conflict): the name is stored form (`/x`), the id in full. */
export function nameConflict(name: string, id: string): BerthError {
  return new BerthError(
    'Conflict',
    `Conflict. The container name ${JSON.stringify(name)} is already in use by container ${JSON.stringify(id)}. ` +
      'You have to remove (or rename) that container to be able to reuse that name.',
  );
}

// pkg/namesgenerator's word lists (Docker 20.10 – 28).
const LEFT = (
  'admiring adoring affectionate agitated amazing angry awesome beautiful blissful bold boring brave busy ' +
  'charming clever cool compassionate competent condescending confident cranky crazy dazzling determined ' +
  'distracted dreamy eager ecstatic elastic elated elegant eloquent epic exciting fervent festive flamboyant ' +
  'focused friendly frosty funny gallant gifted goofy gracious great happy hardcore heuristic hopeful hungry ' +
  'infallible inspiring interesting intelligent jolly jovial keen kind laughing loving lucid magical mystifying ' +
  'modest musing naughty nervous nice nifty nostalgic objective optimistic peaceful pedantic pensive practical ' +
  'priceless quirky quizzical recursing relaxed reverent romantic sad serene sharp silly sleepy stoic strange ' +
  'stupefied suspicious sweet tender thirsty trusting unruffled upbeat vibrant vigilant vigorous wizardly ' +
  'wonderful xenodochial youthful zealous zen'
).split(' ');

const RIGHT = (
  'albattani allen almeida antonelli agnesi archimedes ardinghelli aryabhata austin babbage banach banzai ' +
  'bardeen bartik bassi beaver bell benz bhabha bhaskara black blackburn blackwell bohr booth borg bose bouman ' +
  'boyd brahmagupta brattain brown buck burnell cannon carson cartwright cerf chandrasekhar chaplygin chatelet ' +
  'chatterjee chebyshev cohen chaum clarke colden cori cray curran curie darwin davinci dewdney dhawan diffie ' +
  'dijkstra dirac driscoll dubinsky easley edison einstein elbakyan elgamal elion ellis engelbart euclid euler ' +
  'faraday feistel fermat fermi feynman franklin gagarin galileo galois ganguly gates gauss germain goldberg ' +
  'goldstine goldwasser golick goodall gould greider grothendieck haibt hamilton haslett hawking hellman ' +
  'heisenberg hermann herschel hertz heyrovsky hodgkin hofstadter hoover hopper hugle hypatia ishizaka jackson ' +
  'jang jennings jepsen johnson joliot jones kalam kapitsa kare keldysh keller kepler khayyam khorana kilby ' +
  'kirch knuth kowalevski lalande lamarr lamport leakey leavitt lederberg lehmann lewin lichterman liskov ' +
  'lovelace lumiere mahavira margulis matsumoto maxwell mayer mccarthy mcclintock mclaren mclean mcnulty mendel ' +
  'mendeleev meitner meninsky merkle mestorf mirzakhani moore morse murdock moser napier nash neumann newton ' +
  'nightingale nobel noether northcutt noyce panini pare pascal pasteur payne perlman pike poincare poitras ' +
  'proskuriakova ptolemy raman ramanujan ride montalcini ritchie rhodes robinson roentgen rosalind rubin saha ' +
  'sammet sanderson satoshi shamir shannon shaw shirley shockley shtern sinoussi snyder solomon spence ' +
  'stonebraker sutherland swanson swartz swirles taussig tereshkova tesla tharp thompson torvalds tu turing ' +
  'varahamihira vaughan visvesvaraya volhard villani wescoff wilbur wiles williams williamson wilson wing ' +
  'wozniak wright wu yalow yonath zhukovsky'
).split(' ');

export const NAME_ADJECTIVES: readonly string[] = LEFT;
export const NAME_SURNAMES: readonly string[] = RIGHT;

/** A source of integers in [0, n); crypto's randomInt by default. */
export type RandomInt = (n: number) => number;
const defaultRandomInt: RandomInt = (n) => randomInt(n);

/**
 * namesgenerator.GetRandomName: `adjective_surname` (no leading `/`), never `boring_wozniak`; when
 * `retry` > 0 a random digit 0-9 is appended (`focused_turing3`).
 */
export function generateName(retry = 0, rand: RandomInt = defaultRandomInt): string {
  let name: string;
  do {
    name = `${LEFT[rand(LEFT.length)]}_${RIGHT[rand(RIGHT.length)]}`;
  } while (name === 'boring_wozniak'); // Steve Wozniak is not boring
  if (retry > 0) name += String(rand(10));
  return name;
}

/**
 * moby's generateNewName: up to six generated names (the first without a digit), the first one not
 * taken wins; after that `/` + the short id. Returns the stored form (`/name`).
 */
export function allocateName(id: string, isTaken: (storedName: string) => boolean, rand: RandomInt = defaultRandomInt): string {
  for (let i = 0; i < 6; i++) {
    const name = '/' + generateName(i, rand);
    if (!isTaken(name)) return name;
  }
  return '/' + id.slice(0, 12);
}

/**
 * stringid.GenerateRandomID: 64 lowercase hex from 32 random bytes, drawn again while the 12-char short
 * id is all digits (it would parse as a number and look like a pid / be refused as a hostname).
 */
export function newContainerId(random: (n: number) => Uint8Array = randomBytes): string {
  for (;;) {
    const id = Buffer.from(random(32)).toString('hex');
    if (!/^[0-9]+$/.test(id.slice(0, 12))) return id;
  }
}

/** stringid.TruncateID: the 12-char short form (a `sha256:` prefix dropped). */
export function shortId(id: string): string {
  const i = id.indexOf(':');
  return (i >= 0 ? id.slice(i + 1) : id).slice(0, 12);
}
