// A code block: plain while it streams, highlighted (once, in a worker) when it is finished.
import { useEffect, useState } from 'react';
import { highlight, highlighted, rememberSettled, type HighlightedLine } from '../highlight/index.ts';

export function CodeBlock({ code, language, isFinished }: { code: string; language: string; isFinished: boolean }) {
  const [lines, setLines] = useState<HighlightedLine[] | null | undefined>(() => (isFinished ? highlighted(code, language) : undefined));
  useEffect(() => {
    if (!isFinished || language === '') return;
    let isCurrent = true;
    void highlight(code, language).then((result) => {
      rememberSettled(code, language, result);
      if (isCurrent) setLines(result);
    });
    return () => {
      isCurrent = false;
    };
  }, [code, language, isFinished]);
  return (
    <div className="code-block">
      {language !== '' && <div className="code-language">{language}</div>}
      <pre>
        <code>
          {lines
            ? lines.map((line, index) => (
                <span key={index} className="code-line">
                  {line.map((run, runIndex) => (
                    <span key={runIndex} style={{ '--light': run.light, '--dark': run.dark } as React.CSSProperties}>
                      {run.text}
                    </span>
                  ))}
                  {'\n'}
                </span>
              ))
            : code}
        </code>
      </pre>
    </div>
  );
}
