import type { MathJsInstance, MathNode } from 'mathjs';
import { CALCULATOR_LIMITS } from '../plugins/catalog.js';
import { ToolFailure } from './failure.js';

/**
 * The built-in tools: `calculate` (plugin `calculator`) and `current_time` (plugin `time`).
 * Both run in-process, without I/O.
 */

// A mathjs instance of its own. The expression is parsed, then checked node by node against an
// allow-list before it is evaluated: numbers, arithmetic operators, parentheses, a fixed set of
// functions and constants. No assignments, function definitions, ranges, matrices, units,
// property access or strings, so nothing reaches outside the arithmetic, nothing allocates
// without bound, and `import`, `createUnit`, `evaluate` and the like are unreachable.
// Made on the first calculation: a full instance costs about 30 MiB of heap and seconds of start-up
// that a server whose agents never calculate should not pay.
let mathInstance: Promise<MathJsInstance> | undefined;
const loadMath = () =>
  (mathInstance ??= import('mathjs').then(
    ({ all, create }) => create(all!, { number: 'number', predictable: true }),
    (error: unknown) => {
      // A failed load (say, out of file descriptors under load) is tried again by the next call.
      mathInstance = undefined;
      throw error;
    },
  ));

const FUNCTIONS = new Set([
  'abs', 'acos', 'acosh', 'acot', 'acsc', 'asec', 'asin', 'asinh', 'atan', 'atan2', 'atanh',
  'cbrt', 'ceil', 'combinations', 'cos', 'cosh', 'cot', 'csc', 'exp', 'expm1', 'factorial', 'fix',
  'floor', 'gamma', 'gcd', 'hypot', 'lcm', 'log', 'log10', 'log1p', 'log2', 'max', 'mean',
  'median', 'min', 'mod', 'nthRoot', 'permutations', 'pow', 'round', 'sec', 'sign', 'sin', 'sinh',
  'sqrt', 'square', 'cube', 'tan', 'tanh',
]);
const CONSTANTS = new Set(['pi', 'PI', 'e', 'E', 'tau', 'phi']);
const OPERATORS = new Set([
  'add', 'subtract', 'multiply', 'divide', 'pow', 'mod', 'unaryMinus', 'unaryPlus', 'factorial', 'dotMultiply', 'dotDivide', 'dotPow',
]);
/** Beyond this, factorial/gamma/combinations stop being arithmetic and start being work. */
const MAX_ARGUMENT_NODES = 200;

function checkNode(node: MathNode): void {
  const n = node as MathNode & { fn?: unknown; name?: string; value?: unknown; args?: MathNode[]; content?: MathNode };
  switch (node.type) {
    case 'ConstantNode':
      if (typeof n.value !== 'number') throw new ToolFailure('TOOL_INVALID_ARGUMENTS', 'Only numbers can appear in an expression');
      return;
    case 'SymbolNode':
      if (!CONSTANTS.has(n.name!)) throw new ToolFailure('TOOL_INVALID_ARGUMENTS', `Unknown name "${n.name}" in the expression`);
      return;
    case 'ParenthesisNode':
      return checkNode(n.content!);
    case 'OperatorNode':
      if (!OPERATORS.has(n.fn as string)) {
        throw new ToolFailure('TOOL_INVALID_ARGUMENTS', `The operator "${(node as { op?: string }).op}" is not supported`);
      }
      return n.args!.forEach(checkNode);
    case 'FunctionNode': {
      const fn = n.fn as MathNode & { name?: string };
      if (fn.type !== 'SymbolNode' || !FUNCTIONS.has(fn.name!)) {
        throw new ToolFailure('TOOL_INVALID_ARGUMENTS', `Unknown function "${fn.name ?? fn.toString()}" in the expression`);
      }
      return n.args!.forEach(checkNode);
    }
    default:
      throw new ToolFailure('TOOL_INVALID_ARGUMENTS', 'The expression may hold only numbers, arithmetic and math functions');
  }
}

export type CalculatorConfig = { precision?: number };

export async function calculate(
  args: { expression: string },
  config: CalculatorConfig,
): Promise<{ expression: string; result: string }> {
  const expression = args.expression.trim();
  if (expression.length === 0 || expression.length > CALCULATOR_LIMITS.expression) {
    throw new ToolFailure('TOOL_INVALID_ARGUMENTS', `The expression must be 1 to ${CALCULATOR_LIMITS.expression} characters`);
  }
  const math = await loadMath();
  let tree: MathNode;
  try {
    tree = math.parse(expression);
  } catch (error) {
    throw new ToolFailure('TOOL_INVALID_ARGUMENTS', `The expression cannot be read: ${(error as Error).message}`);
  }
  let nodes = 0;
  tree.traverse(() => void nodes++);
  if (nodes > MAX_ARGUMENT_NODES) throw new ToolFailure('TOOL_INVALID_ARGUMENTS', 'The expression is too complex');
  checkNode(tree);
  let value: unknown;
  try {
    value = tree.compile().evaluate({});
  } catch (error) {
    throw new ToolFailure('TOOL_FAILED', `The expression cannot be evaluated: ${(error as Error).message}`);
  }
  if (typeof value !== 'number') throw new ToolFailure('TOOL_FAILED', 'The result is not a real number');
  if (!Number.isFinite(value)) {
    throw new ToolFailure('TOOL_FAILED', Number.isNaN(value) ? 'The result is undefined' : 'The result is infinite (a division by zero?)');
  }
  const precision = config.precision ?? 12;
  return { expression, result: math.format(value, { precision }) };
}

export type TimeConfig = { defaultTimeZone?: string };

export type CurrentTime = {
  timeZone: string;
  /** Local date and time with the zone's offset, e.g. 2026-11-30T14:05:09+01:00. */
  iso: string;
  utc: string;
  /** E.g. "Monday, 30 November 2026 at 14:05". */
  text: string;
  /** 24-hour HH:MM. */
  time: string;
};

export function currentTime(args: { timeZone?: string }, config: TimeConfig, now = new Date()): CurrentTime {
  const timeZone = args.timeZone ?? config.defaultTimeZone ?? 'UTC';
  let parts: Record<string, string>;
  let text: string;
  try {
    parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZoneName: 'longOffset',
      })
        .formatToParts(now)
        .map((p) => [p.type, p.value]),
    );
    text = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'full', timeStyle: 'short' }).format(now);
  } catch {
    throw new ToolFailure('TOOL_INVALID_ARGUMENTS', `"${timeZone}" is not an IANA time zone`);
  }
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName!.replace('GMT', '');
  const time = `${parts.hour}:${parts.minute}`;
  return {
    timeZone,
    iso: `${parts.year}-${parts.month}-${parts.day}T${time}:${parts.second}${offset}`,
    utc: now.toISOString(),
    text,
    time,
  };
}
