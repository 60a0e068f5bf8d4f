// A model's published benchmark scores in its details: what the ladder judges it by, every task and
// benchmark, each with the setting it was measured in and a link to where it was published.
import type { PublishedScore } from '../../shared/schema';

export function PublishedScores({
  scores,
  catalogName,
}: {
  scores: readonly PublishedScore[];
  /** For a file: the catalog model whose scores these are. */
  catalogName?: string | undefined;
}): React.JSX.Element {
  return (
    <>
      <h3>Published scores{catalogName ? ` (of ${catalogName})` : ''}</h3>
      {scores.length === 0 ? (
        <p className="muted">None in the catalog: the ladder does not rank this model.</p>
      ) : (
        <table className="scores" data-testid="published-scores">
          <tbody>
            {scores.map((s) => (
              <tr key={`${s.task} ${s.benchmark}`}>
                <th scope="row">
                  {s.task}: {s.benchmark}
                </th>
                <td>
                  {s.score}
                  {s.thinking ? ' (measured while reasoning)' : ''}{' '}
                  <span className="muted">
                    {s.detail ? `${s.detail}, ` : ''}
                    {s.date},{' '}
                    <a href={s.source} target="_blank" rel="noreferrer">
                      source
                    </a>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
