import { render } from 'preact';
import './styles/index.css';
import { App } from './app';
import { installValidityMessages } from './components/validity';

installValidityMessages();
render(<App />, document.getElementById('app')!);
