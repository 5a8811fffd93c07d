import { render } from 'preact';
import './styles.css';
import { App } from './ui/App';
import { restore } from './state/session';

void restore();
render(<App />, document.getElementById('app')!);
