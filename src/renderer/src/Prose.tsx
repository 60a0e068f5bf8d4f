/** A sentence from the core, whose commands come between backticks (as the CLI prints them): shown as code. */
export function Prose({ text }: { text: string }): React.JSX.Element {
  const parts = text.split('`');
  // An odd count of backticks leaves the last one as text.
  if (parts.length % 2 === 0) return <>{text}</>;
  return <>{parts.map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}
